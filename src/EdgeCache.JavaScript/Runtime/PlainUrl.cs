using System.Text.RegularExpressions;
using Jint.Native;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// A plain absolute http(s) URL already in its WHATWG serialisation (lower-case scheme and host, no user info, no dot
/// segments, nothing to percent-encode, no default port): the URLs a worker sees on every request, split with one
/// regular expression. Anything else goes to whatwg-url (the prelude's vendor.js), which costs about half a
/// millisecond per parse in the interpreter. Must give exactly what whatwg-url gives: UrlParsingTests compares the
/// two, with Node's URL as the oracle, over generated adversarial inputs. (url.js had this in JavaScript until
/// session 10; the pattern is the same, with <c>[0-9]</c> for <c>\d</c> and <c>\z</c> for <c>$</c>, which in .NET
/// would also match before a final newline.)
/// </summary>
internal sealed partial class PlainUrl
{
    private const int MaxLength = 2048;
    private const int Remembered = 512;

    private PlainUrl(string scheme, string hostname, string port, string path, string? query, string? fragment)
    {
        Scheme = scheme;
        Hostname = hostname;
        Port = port;
        Path = path;
        Query = query;
        Fragment = fragment;
        Host = port.Length == 0 ? hostname : hostname + ":" + port;
        Href = new JsString($"{scheme}://{Host}{path}{(query is null ? string.Empty : "?" + query)}{(fragment is null ? string.Empty : "#" + fragment)}");
    }

    public string Scheme { get; }

    public string Hostname { get; }

    /// <summary>Empty for none (a default port is never here: such URLs take the full parser).</summary>
    public string Port { get; }

    public string Path { get; }

    /// <summary>Without the '?'; null for none ("" for a bare '?').</summary>
    public string? Query { get; }

    /// <summary>Without the '#'; null for none.</summary>
    public string? Fragment { get; }

    public string Host { get; }

    /// <summary>The serialisation, made once: the same parts come back from the cache on every request.</summary>
    public JsString Href { get; }

    [GeneratedRegex(
        @"^(https?)://((?:[a-z0-9-]+\.)*[a-z][a-z0-9-]*|(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9]))(?::([1-9][0-9]{0,4}))?(/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*)?(\?[A-Za-z0-9\-._~!$&()*+,;=:@/?%]*)?(#[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*)?\z",
        RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    [GeneratedRegex(@"(?:^|/)(?:\.|%2e){1,2}(?:/|\z)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex DotSegment();

    /// <summary>
    /// Recent answers, null for "not plain": the same few strings come back on every request (request.url, cache
    /// keys). One per engine, used on its loop thread only.
    /// </summary>
    internal sealed class Cache
    {
        private readonly Dictionary<string, PlainUrl?> _recent = new(StringComparer.Ordinal);

        /// <summary>The parts of a plain URL, or null when the full parser is needed.</summary>
        public PlainUrl? Split(string text)
        {
            if (text.Length > MaxLength)
            {
                return null;
            }

            if (!_recent.TryGetValue(text, out var parts))
            {
                parts = Parse(text);
                if (_recent.Count >= Remembered)
                {
                    _recent.Clear();
                }

                _recent[text] = parts;
            }

            return parts;
        }
    }

    internal static PlainUrl? Parse(string text)
    {
        var match = Pattern().Match(text);
        if (!match.Success)
        {
            return null;
        }

        var scheme = match.Groups[1].Value;
        var hostname = match.Groups[2].Value;
        if (hostname.StartsWith("xn--", StringComparison.Ordinal) || hostname.Contains(".xn--", StringComparison.Ordinal))
        {
            return null;
        }

        var port = match.Groups[3].Value;
        if (port.Length > 0 && (int.Parse(port, System.Globalization.CultureInfo.InvariantCulture) is var number && (number > 65535 || number == (scheme == "http" ? 80 : 443))))
        {
            return null;
        }

        var path = match.Groups[4].Value;
        if (DotSegment().IsMatch(path))
        {
            return null;
        }

        var query = match.Groups[5];
        var fragment = match.Groups[6];
        return new PlainUrl(
            scheme,
            hostname,
            port,
            path.Length == 0 ? "/" : path,
            query.Success ? query.Value[1..] : null,
            fragment.Success ? fragment.Value[1..] : null);
    }
}
