using EdgeCache.AspNetCore.Proxy;
using EdgeCache.Storage;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>
/// The proxy builds plain origin URLs and keys by concatenation (no <see cref="Uri"/> parse on a hit):
/// whatever the request path, the result must be exactly what parsing gives.
/// </summary>
public sealed class RequestTargetResolutionTests
{
    // Pieces Uri keeps, and ones it escapes, decodes, re-cases or rewrites.
    private static readonly string[] Pieces =
    [
        "a", "Z", "0", "-", ".", "..", "_", "~", "!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=", ":", "@", "/", "/", "?",
        "/./", "/../", "/.", "%41", "%2f", "%2F", "%20", "%7e", "%", " ", "\"", "<", ">", "\\", "^", "`", "{", "|", "}", "[", "]", "\u00e9", "\u0001",
    ];

    [Theory]
    [InlineData("http://origin.test:8080", "/a/b.bin", "?x=1&y=2")]
    [InlineData("http://origin.test:8080", "/a/./b", "")]
    [InlineData("http://origin.test:8080", "/a/../b", "")]
    [InlineData("http://origin.test:8080", "/%41bc", "")]
    [InlineData("http://origin.test:8080", "//other.host/x", "")]
    [InlineData("http://origin.test/base/", "/x y", "?q=a b")]
    [InlineData("https://ORIGIN.test:443/Base", "/.well-known/x", "?a=%2f")]
    [InlineData("http://origin.test", "/a\\b", "")]
    public void Url_and_key_are_those_of_a_Uri_parse(string origin, string path, string query)
        => AssertSameAsUri(origin, path, query, host: null);

    [Theory]
    [InlineData("/a/b.bin", "?x=1", "Public.Example")]
    [InlineData("/a/../b", "", "public.example:8443")]
    public void Pass_through_host_keys_are_those_of_a_Uri_parse(string path, string query, string host)
        => AssertSameAsUri("http://origin.test:8080/base", path, query, host);

    [Fact]
    public void Any_path_and_query_resolve_as_a_Uri_parse_would()
    {
        var segment = Gen.ArrayOf(Gen.Elements(Pieces)).Select(p => string.Concat(p));
        Prop.ForAll(segment.ToArbitrary(), segment.ToArbitrary(), (p, q) =>
        {
            var path = "/" + p.Replace("?", string.Empty, StringComparison.Ordinal).Replace("#", string.Empty, StringComparison.Ordinal);
            var query = q.Length == 0 ? string.Empty : "?" + q.Replace("#", string.Empty, StringComparison.Ordinal);
            AssertSameAsUri("http://origin.test:8080", path, query, host: null);
            AssertSameAsUri("http://origin.test:8080/base", path, query, host: "Public.Example");
        }).QuickCheckThrowOnFailure();
    }

    private static void AssertSameAsUri(string origin, string path, string query, string? host)
    {
        using var proxy = new CachingProxy(
            new CachingProxyOptions { Origin = new Uri(origin), HostHeader = host is null ? HostHeaderMode.Origin : HostHeaderMode.PassThrough },
            new MemoryStore(), TimeProvider.System, NullLogger.Instance, static _ => { });
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = new PathString(path);
        context.Request.QueryString = new QueryString(query.Length == 0 ? null : query);
        context.Request.Host = new HostString(host ?? "client.example");

        var target = proxy.Resolve(context.Request);

        var originUri = new Uri(origin);
        var expected = new Uri(string.Concat(originUri.Scheme, "://", originUri.Authority, originUri.AbsolutePath.TrimEnd('/'),
            context.Request.Path.ToUriComponent(), context.Request.QueryString.ToUriComponent()), UriKind.Absolute);
        Assert.NotNull(target);
        Assert.Equal(expected.AbsoluteUri, target.OriginUrl);
        Assert.Equal(expected.AbsoluteUri, target.OriginUri.AbsoluteUri);
        var expectedKey = host is null ? expected.AbsoluteUri : string.Concat(expected.Scheme, "://", host.ToLowerInvariant(), expected.PathAndQuery);
        Assert.Equal(expectedKey, target.Key);
    }
}
