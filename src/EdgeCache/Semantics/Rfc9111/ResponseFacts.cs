namespace EdgeCache.Semantics.Rfc9111;

/// <summary>
/// The caching-relevant facts of one response, read once from its header list: the directives that
/// govern this (shared, CDN) cache, the dates and the validators. Never throws on bad input.
/// </summary>
public sealed class ResponseFacts
{
    /// <summary>
    /// The targeted field (RFC 9213 section 2) aimed at this cache alone: cache rules write their edge TTL
    /// into it, and it is obeyed before <c>CDN-Cache-Control</c> and never leaves this cache, so a rule's
    /// policy never reaches a downstream cache while the origin's own <c>CDN-Cache-Control</c> still does.
    /// </summary>
    public const string EdgeCacheControl = "EdgeCache-Cache-Control";

    /// <summary>RFC 9213 targeted fields this cache obeys, in precedence order.</summary>
    internal static readonly string[] TargetedFields = [EdgeCacheControl, "CDN-Cache-Control", "Surrogate-Control"];

    // Stands for a CDN-Cache-Control line that is not a valid Structured Field Dictionary.
    private const string InvalidField = "\u0000invalid";

    private ResponseFacts(int status) => Status = status;

    /// <summary>The response status code.</summary>
    public int Status { get; }

    /// <summary>The directives in force for this cache: a targeted field's (RFC 9213) when one is valid, else Cache-Control's.</summary>
    public CacheControlDirectives Directives { get; private set; } = CacheControlDirectives.Empty;

    /// <summary>True when <see cref="Directives"/> came from CDN-Cache-Control or Surrogate-Control; Cache-Control and Expires are then ignored.</summary>
    public bool Targeted { get; private set; }

    /// <summary>The Expires value, or null when absent or when a targeted field overrides it.</summary>
    public string? Expires { get; private set; }

    /// <summary>Expires appeared more than once with different values (RFC 9111 section 4.2.1: treat as stale).</summary>
    public bool ExpiresConflict { get; private set; }

    /// <summary>The Date header, when present and valid.</summary>
    public DateTimeOffset? Date { get; private set; }

    /// <summary>The Last-Modified header, when present and valid.</summary>
    public DateTimeOffset? LastModified { get; private set; }

    /// <summary>The Age header in seconds, when present and valid (RFC 9111 section 5.1).</summary>
    public long? Age { get; private set; }

    /// <summary>The ETag header as received.</summary>
    public string? ETag { get; private set; }

    /// <summary>The Vary field value, all field lines joined; null when absent.</summary>
    public string? Vary { get; private set; }

    /// <summary>The Content-Length header, when present and valid.</summary>
    public long? ContentLength { get; private set; }

    /// <summary>True when the response carries a validator (ETag or Last-Modified).</summary>
    public bool HasValidator => ETag is not null || LastModified is not null;

    /// <summary>Reads the facts of a response from its headers (one entry per field line).</summary>
    public static ResponseFacts From(int status, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var facts = new ResponseFacts(status);

        // Most responses have one Cache-Control line: its value alone, and a list only from a second line.
        string? cacheControlLine = null;
        List<string>? cacheControl = null;
        List<string>? own = null;
        List<string>? cdn = null;
        List<string>? surrogate = null;
        string? vary = null;
        for (var i = 0; i < headers.Count; i++)
        {
            var (name, value) = headers[i];
            if (Is(name, "Cache-Control"))
            {
                if (cacheControlLine is null && cacheControl is null)
                {
                    cacheControlLine = value;
                }
                else
                {
                    cacheControl ??= [cacheControlLine!];
                    cacheControl.Add(value);
                    cacheControlLine = null;
                }
            }
            else if (Is(name, EdgeCacheControl))
            {
                (own ??= []).Add(TargetedField.ToCacheControl(value) ?? InvalidField);
            }
            else if (Is(name, "CDN-Cache-Control"))
            {
                // One invalid line makes the whole field invalid (it is one Dictionary).
                (cdn ??= []).Add(TargetedField.ToCacheControl(value) ?? InvalidField);
            }
            else if (Is(name, "Surrogate-Control"))
            {
                (surrogate ??= []).Add(StripSurrogateTargets(value));
            }
            else if (Is(name, "Expires"))
            {
                if (facts.Expires is null)
                {
                    facts.Expires = value;
                }
                else if (!string.Equals(facts.Expires.Trim(), value.Trim(), StringComparison.Ordinal))
                {
                    facts.ExpiresConflict = true;
                }
            }
            else if (Is(name, "Date"))
            {
                if (facts.Date is null && HttpDate.TryParse(value, out var date))
                {
                    facts.Date = date;
                }
            }
            else if (Is(name, "Last-Modified"))
            {
                if (facts.LastModified is null && HttpDate.TryParse(value, out var lastModified))
                {
                    facts.LastModified = lastModified;
                }
            }
            else if (Is(name, "Age"))
            {
                // RFC 9111 section 5.1: an invalid Age is ignored; the first valid one counts.
                if (facts.Age is null && CacheControlDirectives.TryDelta(FirstListMember(value), out var age))
                {
                    facts.Age = age;
                }
            }
            else if (Is(name, "ETag"))
            {
                facts.ETag ??= value.Trim();
            }
            else if (Is(name, "Vary"))
            {
                vary = vary is null ? value : string.Concat(vary, ", ", value);
            }
            else if (Is(name, "Content-Length"))
            {
                if (long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length))
                {
                    facts.ContentLength = length;
                }
            }
        }

        facts.Vary = vary;
        var targeted = ParseTargeted(own) ?? ParseTargeted(cdn) ?? ParseTargeted(surrogate);
        if (targeted is not null)
        {
            facts.Directives = targeted;
            facts.Targeted = true;
            facts.Expires = null;
            facts.ExpiresConflict = false;
        }
        else
        {
            facts.Directives = cacheControlLine is not null ? RecentCacheControl.Parse(cacheControlLine) : CacheControlDirectives.Parse(cacheControl);
        }

        return facts;
    }

    /// <summary>True when a header name is one of the targeted cache-control fields.</summary>
    public static bool IsTargetedField(string name)
        => name.Equals("CDN-Cache-Control", StringComparison.OrdinalIgnoreCase) || IsConsumedTargetedField(name);

    /// <summary>
    /// True for the targeted fields that are consumed here and never forwarded: this cache's own field and
    /// <c>Surrogate-Control</c> (whose convention is that the surrogate removes it). <c>CDN-Cache-Control</c> is
    /// not one of them: RFC 9213 section 3 has CDNs forward it to the caches downstream.
    /// </summary>
    public static bool IsConsumedTargetedField(string name)
        => name.Equals("Surrogate-Control", StringComparison.OrdinalIgnoreCase)
            || name.Equals(EdgeCacheControl, StringComparison.OrdinalIgnoreCase);

    private static CacheControlDirectives? ParseTargeted(List<string>? values)
    {
        if (values is null || values.Contains(InvalidField))
        {
            return null;
        }

        // RFC 9213 section 2.2: only a valid, non-empty value displaces Cache-Control.
        var parsed = CacheControlDirectives.Parse(values);
        return parsed.Any ? parsed : null;
    }

    private static string StripSurrogateTargets(string value)
    {
        // Edge Architecture targets ("max-age=60;edge1") are not ours to interpret: drop the target suffix.
        if (!value.Contains(';', StringComparison.Ordinal))
        {
            return value;
        }

        var parts = value.Split(',');
        for (var i = 0; i < parts.Length; i++)
        {
            var semicolon = parts[i].IndexOf(';', StringComparison.Ordinal);
            if (semicolon >= 0)
            {
                parts[i] = parts[i][..semicolon];
            }
        }

        return string.Join(',', parts);
    }

    private static string FirstListMember(string value)
    {
        var comma = value.IndexOf(',', StringComparison.Ordinal);
        return (comma < 0 ? value : value[..comma]).Trim();
    }

    private static bool Is(string name, string expected) => name.Equals(expected, StringComparison.OrdinalIgnoreCase);
}
