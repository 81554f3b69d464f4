using EdgeCache.AspNetCore.Bridge;
using EdgeCache.AspNetCore.Proxy;
using EdgeCache.Storage;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCache.AspNetCore.Tests.Bridge;

/// <summary>
/// The cache key, the rule input and the URL sent to the origin are computed from one canonical target:
/// over adversarial targets they must agree, and normalising twice must change nothing (nothing is decoded twice).
/// </summary>
public sealed class CanonicalTargetTests
{
    private const string Origin = "http://origin.test:8080";

    // Encoded dots and slashes, double encoding, ';', NUL, '#', '?', backslashes, overlong UTF-8, unicode, and
    // characters outside RFC 3986.
    private static readonly string[] Pieces =
    [
        "a", "Z", "0", "-", ".", "..", "_", "~", "!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=", ":", "@", "/", "/", "/./", "/../",
        "%41", "%7e", "%2f", "%2F", "%2e", "%2E", "%2e%2e", "%252e", "%252F", "%25", "%", "%z", "%00", "%23", "%3F", "%3f", "%3B", "%5C",
        "\\", "..\\", "%C0%AE", "%C0%AF", "%E2%80%AE", "\u00e9", "\u202e", "\ud83d\ude00", " ", "\"", "<", ">", "^", "`", "{", "|", "}", "[", "]",
    ];

    private static readonly Arbitrary<string> Segments = Gen.ArrayOf(Gen.Elements(Pieces)).Select(p => string.Concat(p)).ToArbitrary();

    [Fact]
    public void Key_rule_input_and_origin_url_agree_for_any_target()
    {
        Prop.ForAll(Segments, Segments, (p, q) =>
        {
            var raw = "/" + p + (q.Length == 0 ? string.Empty : "?" + q.Replace("?", "%3F", StringComparison.Ordinal));
            using var proxy = Proxy();
            var context = Context(raw);

            var target = proxy.Resolve(context);
            var canonical = CanonicalTarget.For(context);

            Assert.NotNull(target);
            Assert.NotNull(canonical);
            var pathAndQuery = canonical.Path + canonical.Query;

            // What the origin is sent is the key's path and query, byte for byte.
            Assert.Equal(Origin + pathAndQuery, target.OriginUrl);
            Assert.Equal(target.OriginUrl, target.Key);
            Assert.Equal(pathAndQuery, target.OriginUri.PathAndQuery);

            // The hit path's shortcut takes a raw target as it is only when it is canonical already.
            if (CanonicalTarget.PlainRawTarget(context) is { } plain)
            {
                Assert.Equal(pathAndQuery, plain);
            }

            // Normalising what the origin receives changes nothing: the same key, the same rule input.
            var again = CanonicalTarget.Parse(pathAndQuery)!;
            Assert.Equal(canonical.Path, again.Path);
            Assert.Equal(canonical.Query, again.Query);
            Assert.Equal(canonical.MatchPath, again.MatchPath);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void A_canonical_target_holds_only_RFC_3986_characters_upper_case_escapes_and_no_dot_segments()
    {
        Prop.ForAll(Segments, p =>
        {
            var canonical = CanonicalTarget.Parse("/" + p)!;
            var path = canonical.Path;

            Assert.StartsWith("/", path, StringComparison.Ordinal);
            Assert.All(path.Split('/').Skip(1), segment => Assert.False(segment is "." or "..", path));
            Assert.DoesNotContain('\\', path);
            for (var i = 0; i < path.Length; i++)
            {
                var c = path[i];
                Assert.True(char.IsAsciiLetterOrDigit(c) || "-._~!$&'()*+,;=:@/%".Contains(c, StringComparison.Ordinal), $"{path}: '{c}'");
                if (c == '%')
                {
                    var hex = path.Substring(i + 1, 2);
                    Assert.True(hex.All(char.IsAsciiHexDigitUpper), path);
                    var value = (char)Convert.ToByte(hex, 16);
                    Assert.False(char.IsAsciiLetterOrDigit(value) || value is '-' or '.' or '_' or '~', $"{path}: an unreserved character stayed escaped");
                }
            }

            // The rule input has no dot segment either, whatever an encoded slash hid.
            Assert.All(canonical.MatchPath.Split('/').Skip(1), segment => Assert.False(segment is "." or "..", canonical.MatchPath));
        }).QuickCheckThrowOnFailure();
    }

    [Theory]
    [InlineData("/norm/%252e%252e/b", "/norm/%252e%252e/b", "/norm/%2e%2e/b")]
    [InlineData("/a/%2e%2e/b", "/b", "/b")]
    [InlineData("/a/..%2Fb", "/a/..%2Fb", "/b")]
    [InlineData("/%41bc", "/Abc", "/Abc")]
    [InlineData("/a%2fb", "/a%2Fb", "/a/b")]
    [InlineData("/a\\..\\b", "/b", "/b")]
    [InlineData("/a/%5C..%5Cb", "/a/%5C..%5Cb", "/a/b")]
    [InlineData("/%C0%AE%C0%AE/x", "/%C0%AE%C0%AE/x", "/%C0%AE%C0%AE/x")]
    [InlineData("/caf\u00e9", "/caf%C3%A9", "/caf\u00e9")]
    [InlineData("/x%", "/x%25", "/x%")]
    [InlineData("/a/./b/../c/", "/a/c/", "/a/c/")]
    public void Paths_normalise_once_and_rules_read_them_as_a_decoding_origin_would(string raw, string path, string matchPath)
    {
        var canonical = CanonicalTarget.Parse(raw)!;

        Assert.Equal(path, canonical.Path);
        Assert.Equal(matchPath, canonical.MatchPath);
    }

    [Theory]
    [InlineData("/p?a=%41&b=%2f", "?a=A&b=%2F")]
    [InlineData("/p?q=a b", "?q=a%20b")]
    [InlineData("/p?x=../y", "?x=../y")]
    [InlineData("/p?x=%252F", "?x=%252F")]
    public void Queries_keep_their_order_and_get_the_same_escape_normalisation(string raw, string query)
        => Assert.Equal(query, CanonicalTarget.Parse(raw)!.Query);

    [Theory]
    [InlineData("http://evil.example/x?y=1", "/x", "?y=1")]
    [InlineData("https://evil.example", "/", "")]
    [InlineData("http://evil.example?y", "/", "?y")]
    public void An_absolute_form_target_keeps_only_its_path_and_query(string raw, string path, string query)
    {
        var canonical = CanonicalTarget.Parse(raw)!;

        Assert.Equal(path, canonical.Path);
        Assert.Equal(query, canonical.Query);
    }

    [Theory]
    [InlineData("*")]
    [InlineData("example.com:443")]
    [InlineData("/a#b")]
    [InlineData("")]
    public void Targets_with_nothing_to_forward_are_refused(string raw) => Assert.Null(CanonicalTarget.Parse(raw));

    [Theory]
    [InlineData("/account;x.css", "")]
    [InlineData("/account%3Bx.css", "")]
    [InlineData("/account%00x.css", "")]
    [InlineData("/site.v2.css", "css")]
    [InlineData("/dir.css/file", "")]
    public void The_extension_is_read_as_an_origin_that_cuts_path_parameters_reads_it(string raw, string extension)
        => Assert.Equal(extension, CanonicalTarget.ExtensionOf(CanonicalTarget.Parse(raw)!.MatchPath).ToString());

    private static CachingProxy Proxy()
        => new(new CachingProxyOptions { Origin = new Uri(Origin) }, new MemoryStore(), TimeProvider.System, NullLogger.Instance, tracker: null);

    private static DefaultHttpContext Context(string rawTarget)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = rawTarget;
        return context;
    }
}
