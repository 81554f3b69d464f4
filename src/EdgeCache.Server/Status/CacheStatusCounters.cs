namespace EdgeCache.Server.Status;

/// <summary>
/// Requests answered by the public listener since start, per cache status, for the status page.
/// One interlocked increment per request, indexed by the status: a request adds no allocation here.
/// </summary>
internal sealed class CacheStatusCounters
{
    /// <summary>The statuses counted, in display order; anything else is counted as OTHER.</summary>
    public static readonly string[] Names =
    [
        EdgeCacheStatusNames.Hit, EdgeCacheStatusNames.Miss, EdgeCacheStatusNames.Expired, EdgeCacheStatusNames.Stale, EdgeCacheStatusNames.Bypass,
        EdgeCacheStatusNames.Revalidated, EdgeCacheStatusNames.Updating, EdgeCacheStatusNames.Dynamic, EdgeCacheStatusNames.Other,
    ];

    private readonly long[] _counts = new long[Names.Length];

    /// <summary>Counts one request answered with the given status (<see cref="EdgeCacheStatus.None"/> counts as DYNAMIC).</summary>
    public void Record(EdgeCacheStatus status) => Interlocked.Increment(ref _counts[IndexOf(status)]);

    /// <summary>Reads the totals: all requests, and those answered from a stored response.</summary>
    public (long Requests, long Cached) Totals()
    {
        long requests = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            requests += Volatile.Read(ref _counts[i]);
        }

        return (requests, Cached());
    }

    /// <summary>The count per status, in <see cref="Names"/> order.</summary>
    public IReadOnlyList<CacheStatusCount> Snapshot()
    {
        var counts = new CacheStatusCount[Names.Length];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = new CacheStatusCount(Names[i], Volatile.Read(ref _counts[i]));
        }

        return counts;
    }

    /// <summary>
    /// Requests answered from a stored response: HIT, STALE (served while the origin failed or
    /// while revalidating), UPDATING and REVALIDATED (the origin confirmed it with a 304). The hit
    /// ratio is these over all requests, as Cloudflare reports it.
    /// </summary>
    private long Cached()
        => Volatile.Read(ref _counts[0]) + Volatile.Read(ref _counts[3]) + Volatile.Read(ref _counts[5]) + Volatile.Read(ref _counts[6]);

    private static int IndexOf(EdgeCacheStatus status) => status switch
    {
        EdgeCacheStatus.Hit => 0,
        EdgeCacheStatus.Miss => 1,
        EdgeCacheStatus.Expired => 2,
        EdgeCacheStatus.Stale => 3,
        EdgeCacheStatus.Bypass => 4,
        EdgeCacheStatus.Revalidated => 5,
        EdgeCacheStatus.Updating => 6,
        EdgeCacheStatus.None or EdgeCacheStatus.Dynamic => 7,
        _ => 8,
    };
}
