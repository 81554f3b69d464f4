namespace EdgeCache.Semantics;

/// <summary>
/// The directives of one or more <c>Cache-Control</c> field lines, parsed tolerantly.
/// </summary>
/// <remarks>
/// Not <see cref="System.Net.Http.Headers.CacheControlHeaderValue"/>: it drops the whole header on
/// one malformed token (so <c>max-age=abc, no-store</c> would lose the no-store) and refuses the
/// unquoted <c>private=Set-Cookie</c> that Cloudflare documents. Here every directive that can be
/// read is kept, unknown ones are ignored, and a bad value is recorded as invalid so the caller
/// can apply the RFC's answer (treat as stale).
/// </remarks>
public sealed class CacheControlDirectives
{
    /// <summary>RFC 9111 section 1.2.2: delta-seconds larger than this are read as this.</summary>
    internal const long MaxDeltaSeconds = 2147483648;

    /// <summary>No directives (no field line).</summary>
    public static readonly CacheControlDirectives Empty = new();

    /// <summary><c>no-store</c>.</summary>
    public bool NoStore { get; private set; }

    /// <summary><c>no-cache</c> (qualified or not; see <see cref="NoCacheFields"/>).</summary>
    public bool NoCache { get; private set; }

    /// <summary>Field names of a qualified <c>no-cache="..."</c>; empty when unqualified or absent.</summary>
    public IReadOnlyList<string> NoCacheFields { get; private set; } = [];

    /// <summary><c>private</c> (qualified or not; see <see cref="PrivateFields"/>).</summary>
    public bool Private { get; private set; }

    /// <summary>Field names of a qualified <c>private="..."</c>; empty when unqualified or absent.</summary>
    public IReadOnlyList<string> PrivateFields { get; private set; } = [];

    /// <summary><c>public</c>.</summary>
    public bool Public { get; private set; }

    /// <summary><c>must-revalidate</c>.</summary>
    public bool MustRevalidate { get; private set; }

    /// <summary><c>proxy-revalidate</c>.</summary>
    public bool ProxyRevalidate { get; private set; }

    /// <summary><c>immutable</c> (RFC 8246).</summary>
    public bool Immutable { get; private set; }

    /// <summary><c>no-transform</c>.</summary>
    public bool NoTransform { get; private set; }

    /// <summary><c>only-if-cached</c> (request).</summary>
    public bool OnlyIfCached { get; private set; }

    /// <summary><c>must-understand</c>.</summary>
    public bool MustUnderstand { get; private set; }

    /// <summary><c>max-age</c> in seconds; null when absent or invalid.</summary>
    public long? MaxAge { get; private set; }

    /// <summary><c>s-maxage</c> in seconds; null when absent or invalid.</summary>
    public long? SharedMaxAge { get; private set; }

    /// <summary><c>stale-while-revalidate</c> in seconds (RFC 5861).</summary>
    public long? StaleWhileRevalidate { get; private set; }

    /// <summary><c>stale-if-error</c> in seconds (RFC 5861).</summary>
    public long? StaleIfError { get; private set; }

    /// <summary>Request <c>min-fresh</c> in seconds.</summary>
    public long? MinFresh { get; private set; }

    /// <summary>Request <c>max-stale</c>: present with no value means any staleness is accepted.</summary>
    public bool MaxStale { get; private set; }

    /// <summary>Request <c>max-stale</c> with a value, in seconds.</summary>
    public long? MaxStaleSeconds { get; private set; }

    /// <summary>A freshness directive (max-age, s-maxage) appeared more than once with different values.</summary>
    public bool HasConflictingDuplicates { get; private set; }

    /// <summary>A freshness directive (max-age, s-maxage) had a value that is not delta-seconds; that occurrence reads as 0.</summary>
    public bool HasInvalidFreshness { get; private set; }

    /// <summary>True when at least one directive was read.</summary>
    public bool Any { get; private set; }

    /// <summary>The one field value these directives were parsed from, when <see cref="RecentCacheControl"/> shares them.</summary>
    internal string? Source { get; set; }

    /// <summary>Parses every field line of a header; never throws.</summary>
    public static CacheControlDirectives Parse(IEnumerable<string>? fieldValues)
    {
        if (fieldValues is null)
        {
            return Empty;
        }

        CacheControlDirectives? result = null;
        foreach (var value in fieldValues)
        {
            result ??= new CacheControlDirectives();
            result.ParseInto(value);
        }

        return result ?? Empty;
    }

    /// <summary>Parses one field value; never throws.</summary>
    public static CacheControlDirectives Parse(string? fieldValue)
    {
        if (string.IsNullOrEmpty(fieldValue))
        {
            return Empty;
        }

        var result = new CacheControlDirectives();
        result.ParseInto(fieldValue);
        return result;
    }

    private void ParseInto(string text)
    {
        var i = 0;
        while (i < text.Length)
        {
            // Skip separators and white space between directives.
            while (i < text.Length && (text[i] == ',' || text[i] == ' ' || text[i] == '\t'))
            {
                i++;
            }

            var nameStart = i;
            while (i < text.Length && text[i] != '=' && text[i] != ',')
            {
                i++;
            }

            var name = text.AsSpan(nameStart, i - nameStart).Trim();
            string? argument = null;
            if (i < text.Length && text[i] == '=')
            {
                i++;
                while (i < text.Length && (text[i] == ' ' || text[i] == '\t'))
                {
                    i++;
                }

                if (i < text.Length && text[i] == '"')
                {
                    i++;
                    var sb = new System.Text.StringBuilder();
                    while (i < text.Length && text[i] != '"')
                    {
                        if (text[i] == '\\' && i + 1 < text.Length)
                        {
                            i++;
                        }

                        sb.Append(text[i]);
                        i++;
                    }

                    i++; // closing quote (or end)
                    argument = sb.ToString();
                    while (i < text.Length && text[i] != ',')
                    {
                        i++;
                    }
                }
                else
                {
                    var argStart = i;
                    while (i < text.Length && text[i] != ',')
                    {
                        i++;
                    }

                    argument = text.AsSpan(argStart, i - argStart).Trim().ToString();
                }
            }

            if (!name.IsEmpty)
            {
                Apply(name, argument);
            }
        }
    }

    private void Apply(ReadOnlySpan<char> name, string? argument)
    {
        Any = true;
        if (Is(name, "no-store"))
        {
            NoStore = true;
        }
        else if (Is(name, "no-cache"))
        {
            NoCache = true;
            if (!string.IsNullOrWhiteSpace(argument))
            {
                NoCacheFields = SplitFields(argument);
            }
        }
        else if (Is(name, "private"))
        {
            Private = true;
            if (!string.IsNullOrWhiteSpace(argument))
            {
                PrivateFields = SplitFields(argument);
            }
        }
        else if (Is(name, "public"))
        {
            Public = true;
        }
        else if (Is(name, "must-revalidate"))
        {
            MustRevalidate = true;
        }
        else if (Is(name, "proxy-revalidate"))
        {
            ProxyRevalidate = true;
        }
        else if (Is(name, "immutable"))
        {
            Immutable = true;
        }
        else if (Is(name, "no-transform"))
        {
            NoTransform = true;
        }
        else if (Is(name, "only-if-cached"))
        {
            OnlyIfCached = true;
        }
        else if (Is(name, "must-understand"))
        {
            MustUnderstand = true;
        }
        else if (Is(name, "max-age"))
        {
            MaxAge = Freshness(MaxAge, argument);
        }
        else if (Is(name, "s-maxage"))
        {
            SharedMaxAge = Freshness(SharedMaxAge, argument);
        }
        else if (Is(name, "stale-while-revalidate"))
        {
            StaleWhileRevalidate = TryDelta(argument, out var v) ? v : StaleWhileRevalidate;
        }
        else if (Is(name, "stale-if-error"))
        {
            StaleIfError = TryDelta(argument, out var v) ? v : StaleIfError;
        }
        else if (Is(name, "min-fresh"))
        {
            MinFresh = TryDelta(argument, out var v) ? v : MinFresh;
        }
        else if (Is(name, "max-stale"))
        {
            MaxStale = true;
            MaxStaleSeconds = TryDelta(argument, out var v) ? v : null;
        }
    }

    private long? Freshness(long? previous, string? argument)
    {
        // A value that is not delta-seconds makes the response stale (RFC 9111 section 4.2.1): read as 0.
        if (!TryDelta(argument, out var value))
        {
            HasInvalidFreshness = true;
            value = 0;
        }

        if (previous is { } p && p != value)
        {
            HasConflictingDuplicates = true;
        }

        // The last occurrence wins (Cloudflare's rule, spec item 55); the RFC profile checks HasConflictingDuplicates.
        return value;
    }

    private static bool Is(ReadOnlySpan<char> name, string directive)
        => name.Equals(directive, StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads delta-seconds (RFC 9111 section 1.2.2): digits only, capped at 2^31.</summary>
    internal static bool TryDelta(string? text, out long value)
    {
        value = 0;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            value = Math.Min((value * 10) + (c - '0'), MaxDeltaSeconds);
        }

        return true;
    }

    private static string[] SplitFields(string argument)
        => argument.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
