using System.Globalization;

namespace EdgeCache;

/// <summary>
/// Cloudflare's <c>fetch(request, { cf: { ... } })</c> cache options. With any of them set, a GET
/// fetch goes through <see cref="CacheStorage.Default"/> the way Cloudflare's CDN does: a fresh
/// stored copy answers it (<c>cf-cache-status: HIT</c>); otherwise the origin does and its response
/// is stored as these options say (<c>cf-cache-status: MISS</c>). Only GET and HEAD go through the cache.
/// </summary>
public sealed record CacheFetchOptions
{
    /// <summary>
    /// Cloudflare's <c>cacheTtl</c>: cache for this long whatever the origin's freshness headers say
    /// (implies <see cref="CacheEverything"/>), for statuses below 500. Zero means "expires at once" (not stored). Default: none.
    /// Responses with <c>Cache-Control: private</c> or <c>Set-Cookie</c> are still never stored.
    /// </summary>
    public TimeSpan? CacheTtl { get; init; }

    /// <summary>
    /// Cloudflare's <c>cacheEverything</c>: cache any content type, respecting the origin's headers. Without it
    /// (and without <see cref="CacheTtl"/> or a matching <see cref="CacheTtlByStatus"/> entry), a response whose
    /// origin sends no <c>max-age</c>, <c>s-maxage</c> or <c>Expires</c> is stored (for the default edge TTL) only
    /// when the URL's path ends in one of Cloudflare's default static extensions (<c>css</c>, <c>js</c>, images,
    /// fonts, archives, media, ...); anything else is answered <c>cf-cache-status: DYNAMIC</c> and not stored.
    /// Default <see langword="false"/>.
    /// </summary>
    public bool CacheEverything { get; init; }

    /// <summary>Cloudflare's <c>cacheKey</c>: store and look up under this key instead of the URL. Default: the URL.</summary>
    public string? CacheKey { get; init; }

    /// <summary>
    /// Cloudflare's <c>cacheTtlByStatus</c>, e.g. <c>{ ["200-299"] = 86400, ["404"] = 1, ["500-599"] = 0 }</c>:
    /// seconds by status or status range, overriding the origin's headers and <see cref="CacheTtl"/>.
    /// 0 expires at once; a negative value means "do not cache". A 304 without its own entry takes 200's.
    /// </summary>
    public IReadOnlyDictionary<string, int>? CacheTtlByStatus { get; init; }

    /// <summary>
    /// Cloudflare's <c>cacheTags</c>: stored with the response, besides the origin's own <c>Cache-Tag</c>, for purge
    /// by tag. Like Cloudflare's, the response the fetch returns carries no <c>Cache-Tag</c>.
    /// </summary>
    public IReadOnlyList<string>? CacheTags { get; init; }

    /// <summary>True when no option is set: the fetch bypasses the cache.</summary>
    public bool IsEmpty => CacheTtl is null && !CacheEverything && CacheKey is null
        && (CacheTtlByStatus is null || CacheTtlByStatus.Count == 0) && (CacheTags is null || CacheTags.Count == 0);

    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming the bad option.</summary>
    public void Validate()
    {
        if (CacheTtl < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CacheTtl), CacheTtl, "cacheTtl must be 0 or more.");
        }

        if (CacheKey is { Length: 0 })
        {
            throw new ArgumentException("cacheKey must not be empty.", nameof(CacheKey));
        }

        if (CacheTtlByStatus is not null)
        {
            foreach (var key in CacheTtlByStatus.Keys)
            {
                if (!TryParseStatusRange(key, out _, out _))
                {
                    throw new ArgumentException($"cacheTtlByStatus key '{key}' must be a status (\"404\") or a range (\"200-299\") within 100-599.", nameof(CacheTtlByStatus));
                }
            }
        }

        if (CacheTags is not null && CacheTags.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("cacheTags must not contain empty tags.", nameof(CacheTags));
        }
    }

    /// <summary>
    /// The edge TTL for a status: from <see cref="CacheTtlByStatus"/> (a single status beats a range),
    /// then <see cref="CacheTtl"/>; null means "use the origin's headers".
    /// </summary>
    public TimeSpan? TtlFor(int status)
    {
        if (CacheTtlByStatus is { Count: > 0 } byStatus)
        {
            int? best = null;
            var bestWidth = int.MaxValue;
            foreach (var (key, seconds) in byStatus)
            {
                if (TryParseStatusRange(key, out var from, out var to) && status >= from && status <= to && to - from < bestWidth)
                {
                    best = seconds;
                    bestWidth = to - from;
                }
            }

            if (best is null && status == 304)
            {
                return TtlFor(200);
            }

            if (best is { } value)
            {
                return value < 0 ? TimeSpan.MinValue : TimeSpan.FromSeconds(value);
            }
        }

        // A plain cacheTtl never pins an error a request can provoke (CPDoS, Nguyen et al. 2019: an oversized
        // or malformed header makes the origin answer 400, 431 or 5xx, which would then be served to everyone):
        // it covers 2xx, 3xx, 404 and 410; any other status needs an explicit cacheTtlByStatus entry.
        return status is >= 200 and < 400 or 404 or 410 ? CacheTtl : null;
    }

    private static bool TryParseStatusRange(string text, out int from, out int to)
    {
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        var fromText = dash < 0 ? text.AsSpan() : text.AsSpan(0, dash);
        var toText = dash < 0 ? text.AsSpan() : text.AsSpan(dash + 1);
        to = 0;
        return int.TryParse(fromText, NumberStyles.None, CultureInfo.InvariantCulture, out from)
            && int.TryParse(toText, NumberStyles.None, CultureInfo.InvariantCulture, out to)
            && from >= 100 && to <= 599 && from <= to;
    }
}
