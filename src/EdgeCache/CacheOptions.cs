namespace EdgeCache;

/// <summary>
/// Options of the Cache API (<see cref="CacheStorage"/> and <see cref="Cache"/>).
/// Defaults follow Cloudflare production.
/// </summary>
public sealed class CacheOptions
{
    /// <summary>
    /// The largest response body <see cref="Cache.PutAsync(HttpRequestMessage, HttpResponseMessage, CancellationToken)"/> stores.
    /// Default 512 MB (Cloudflare's limit); at least 0. A larger body is not stored and a warning is logged.
    /// </summary>
    public long MaxObjectSize { get; set; } = 512L * 1024 * 1024;

    /// <summary>
    /// Edge TTLs by status for responses that carry no <c>s-maxage</c>, <c>max-age</c> or <c>Expires</c>
    /// (Cloudflare's defaults: 200, 206, 301: 120 min; 302, 303: 20 min; 404, 410: 3 min).
    /// A status that is not listed is not stored without explicit freshness.
    /// </summary>
    public IDictionary<int, TimeSpan> DefaultEdgeTtl { get; } = new Dictionary<int, TimeSpan>
    {
        [200] = TimeSpan.FromMinutes(120),
        [206] = TimeSpan.FromMinutes(120),
        [301] = TimeSpan.FromMinutes(120),
        [302] = TimeSpan.FromMinutes(20),
        [303] = TimeSpan.FromMinutes(20),
        [404] = TimeSpan.FromMinutes(3),
        [410] = TimeSpan.FromMinutes(3),
    };

    /// <summary>Checks the options; throws <see cref="ArgumentOutOfRangeException"/> naming the bad setting.</summary>
    public void Validate()
    {
        if (MaxObjectSize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxObjectSize), MaxObjectSize, "MaxObjectSize must be 0 or more.");
        }

        foreach (var (status, ttl) in DefaultEdgeTtl)
        {
            if (status is < 100 or > 599 || ttl < TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(DefaultEdgeTtl), $"{status}: {ttl}", "DefaultEdgeTtl needs statuses 100-599 and TTLs of 0 or more.");
            }
        }
    }
}
