using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeCache.AspNetCore.Bridge;

/// <summary>
/// The one form of a request's target that the cache key, the cache rules and the URL sent to the
/// origin are all computed from, so that what they see can never differ (a classic source of cache
/// poisoning and deception: the key and the rules reading one decoding of the path, the origin another).
/// </summary>
/// <remarks>
/// Built from the raw request target as the client sent it (<see cref="IHttpRequestFeature.RawTarget"/>),
/// never from Kestrel's decoded <see cref="HttpRequest.Path"/>, and normalised once, as RFC 3986
/// section 6.2.2 allows (Cloudflare's "normalize incoming URLs" does the same):
/// percent-escapes of unreserved characters are decoded (<c>%41</c> is <c>A</c>), other escapes are kept
/// and upper-cased (<c>%2f</c> is <c>%2F</c>, <c>%252e</c> stays <c>%252e</c>: nothing is decoded twice),
/// a stray <c>%</c> becomes <c>%25</c>, <c>\</c> in the path becomes <c>/</c> (as browsers and many origin
/// servers read it), characters outside RFC 3986 are percent-encoded as UTF-8, and dot segments are
/// removed (section 5.2.4). The query gets the same escape normalisation and keeps its order.
/// </remarks>
public sealed class CanonicalTarget
{
    // RFC 3986 pchar without '%': unreserved, sub-delims, ':' and '@', plus '/'.
    private static readonly SearchValues<char> PathChars = SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/");

    // The query may also hold '?'.
    private static readonly SearchValues<char> QueryChars = SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?");

    private string? _matchPath;

    private CanonicalTarget(string path, string query)
    {
        Path = path;
        Query = query;
    }

    /// <summary>The normalised path: starts with '/', only RFC 3986 characters and upper-case escapes, no dot segments.</summary>
    public string Path { get; }

    /// <summary>The normalised query with its '?', or empty.</summary>
    public string Query { get; }

    /// <summary>
    /// What cache rules match paths and extensions against: <see cref="Path"/> decoded once, with <c>\</c>
    /// read as <c>/</c> and dot segments removed again. It is how an origin that decodes the path before
    /// routing (many do, and some treat <c>%2F</c> as <c>/</c>) reads the same target, so a rule cannot be
    /// sidestepped with an encoded slash or dot, and cannot be made to match a path the origin reads as another.
    /// </summary>
    public string MatchPath => _matchPath ??= BuildMatchPath(Path);

    /// <summary>The request's canonical target: the one <see cref="Remember"/> kept, or computed now.</summary>
    /// <returns>The target, or null when the request target cannot be forwarded (asterisk or authority form, a fragment).</returns>
    public static CanonicalTarget? For(HttpContext context)
        => context.Features.Get<CanonicalTarget>() ?? Parse(RawTargetOf(context.Request, context.Features));

    /// <summary>Computes the request's canonical target and keeps it in its features for whatever reads it next (the proxy after the rules).</summary>
    public static CanonicalTarget? Remember(HttpContext context)
    {
        var target = For(context);
        if (target is not null)
        {
            context.Features.Set(target);
        }

        return target;
    }

    /// <summary>
    /// The hit path's shortcut: the raw target of a request when it is already canonical (origin form, only
    /// RFC 3986 characters, no escapes, no dot segment, no backslash), so that it can be used as it is.
    /// </summary>
    /// <returns>The raw target, or null when it needs <see cref="For"/>.</returns>
    public static string? PlainRawTarget(HttpContext context)
    {
        if (context.Features.Get<IHttpRequestFeature>()?.RawTarget is not { Length: > 0 } raw || raw[0] != '/')
        {
            return null;
        }

        var q = raw.IndexOf('?', StringComparison.Ordinal);
        var path = q < 0 ? raw.AsSpan() : raw.AsSpan(0, q);
        return IsPlain(path, PathChars) && !HasDotSegment(path) && (q < 0 || IsPlain(raw.AsSpan(q + 1), QueryChars)) ? raw : null;
    }

    /// <summary>Normalises a raw request target (origin form, or absolute form whose path and query are taken).</summary>
    /// <returns>The target, or null when it has no path to forward.</returns>
    public static CanonicalTarget? Parse(string rawTarget)
    {
        var raw = rawTarget.AsSpan();
        if (raw.IsEmpty)
        {
            return null;
        }

        var originForm = raw[0] == '/';
        if (!originForm)
        {
            // Absolute form (RFC 9112 section 3.2.2): the authority is the proxy's business, not the origin's.
            var scheme = raw.IndexOf("://", StringComparison.Ordinal);
            if (scheme <= 0 || !raw[..scheme].Equals("http", StringComparison.OrdinalIgnoreCase) && !raw[..scheme].Equals("https", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            var rest = raw[(scheme + 3)..];
            var end = rest.IndexOfAny('/', '?');
            raw = end < 0 ? "/" : rest[end] == '?' ? string.Concat("/", rest[end..]) : rest[end..];
        }

        if (raw.Contains('#'))
        {
            return null;
        }

        var q = raw.IndexOf('?');
        var path = q < 0 ? raw : raw[..q];
        var query = q < 0 ? [] : raw[q..];
        var canonicalPath = IsPlain(path, PathChars) && !HasDotSegment(path)
            ? (q < 0 && originForm ? rawTarget : path.ToString())
            : RemoveDotSegments(Escape(path, PathChars, slashForBackslash: true));
        var canonicalQuery = query.IsEmpty ? string.Empty : IsPlain(query[1..], QueryChars) ? query.ToString() : "?" + Escape(query[1..], QueryChars, slashForBackslash: false);
        return new CanonicalTarget(canonicalPath, canonicalQuery);
    }

    /// <summary>The extension of the last path segment as an origin may route it: cut at the first <c>;</c> (path parameters) or NUL.</summary>
    public static ReadOnlySpan<char> ExtensionOf(ReadOnlySpan<char> matchPath)
    {
        var slash = matchPath.LastIndexOf('/');
        var segment = slash >= 0 ? matchPath[(slash + 1)..] : matchPath;
        var cut = segment.IndexOfAny(";\0?#\n\r");
        if (cut >= 0)
        {
            segment = segment[..cut];
        }

        var dot = segment.LastIndexOf('.');
        return dot >= 0 ? segment[(dot + 1)..] : [];
    }

    private static string RawTargetOf(HttpRequest request, IFeatureCollection features)
    {
        var raw = features.Get<IHttpRequestFeature>()?.RawTarget;
        if (!string.IsNullOrEmpty(raw))
        {
            return raw;
        }

        // No raw target (a test context, or a server that does not keep it): the escaped form of the parts.
        var path = string.Concat(request.PathBase.ToUriComponent(), request.Path.ToUriComponent());
        return string.Concat(path.Length == 0 ? "/" : path, request.QueryString.ToUriComponent());
    }

    private static bool IsPlain(ReadOnlySpan<char> text, SearchValues<char> allowed) => text.IndexOfAnyExcept(allowed) < 0;

    // "/." starts every dot segment ("/./", "/../", a trailing "/." or "/.."); a name like "/.well-known" only costs the slow path.
    private static bool HasDotSegment(ReadOnlySpan<char> path) => path.Contains("/.", StringComparison.Ordinal);

    private static string Escape(ReadOnlySpan<char> text, SearchValues<char> allowed, bool slashForBackslash)
    {
        var builder = new StringBuilder(text.Length + 16);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '%')
            {
                if (i + 2 < text.Length && char.IsAsciiHexDigit(text[i + 1]) && char.IsAsciiHexDigit(text[i + 2]))
                {
                    var value = (char)((HexValue(text[i + 1]) << 4) | HexValue(text[i + 2]));
                    if (IsUnreserved(value))
                    {
                        builder.Append(value);
                    }
                    else
                    {
                        builder.Append('%').Append(char.ToUpperInvariant(text[i + 1])).Append(char.ToUpperInvariant(text[i + 2]));
                    }

                    i += 2;
                }
                else
                {
                    builder.Append("%25");
                }
            }
            else if (c == '\\' && slashForBackslash)
            {
                builder.Append('/');
            }
            else if (allowed.Contains(c))
            {
                builder.Append(c);
            }
            else
            {
                // Outside RFC 3986: its UTF-8 bytes, escaped. A lone surrogate becomes U+FFFD.
                Rune.DecodeFromUtf16(text[i..], out var rune, out var consumed);
                i += consumed - 1;

                var written = rune.EncodeToUtf8(utf8);
                for (var b = 0; b < written; b++)
                {
                    builder.Append('%').Append(HexUpper(utf8[b] >> 4)).Append(HexUpper(utf8[b] & 0xF));
                }
            }
        }

        return builder.ToString();
    }

    private static bool IsUnreserved(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~';

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    private static char HexUpper(int value) => (char)(value < 10 ? '0' + value : 'A' + value - 10);

    /// <summary>RFC 3986 section 5.2.4 over a path that starts with '/'.</summary>
    internal static string RemoveDotSegments(string path)
    {
        if (!path.Contains("/.", StringComparison.Ordinal))
        {
            return path;
        }

        var segments = path.Split('/');
        var output = new List<string>(segments.Length);
        for (var i = 1; i < segments.Length; i++)
        {
            var segment = segments[i];
            var last = i == segments.Length - 1;
            if (segment == ".")
            {
                if (last)
                {
                    output.Add(string.Empty);
                }
            }
            else if (segment == "..")
            {
                if (output.Count > 0)
                {
                    output.RemoveAt(output.Count - 1);
                }

                if (last)
                {
                    output.Add(string.Empty);
                }
            }
            else
            {
                output.Add(segment);
            }
        }

        return "/" + string.Join('/', output);
    }

    private static string BuildMatchPath(string path)
    {
        if (!path.Contains('%'))
        {
            return path;
        }

        var decoded = Uri.UnescapeDataString(path).Replace('\\', '/');
        return RemoveDotSegments(decoded.Length > 0 && decoded[0] == '/' ? decoded : "/" + decoded);
    }
}
