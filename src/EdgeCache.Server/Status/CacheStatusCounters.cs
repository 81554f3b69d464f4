namespace EdgeCache.Server.Status;

/// <summary>
/// Requests answered by the public listener since start, per cache status, for the status page.
/// One interlocked increment per request; the status string is matched against constants, never
/// stored, so a request adds no allocation here.
/// </summary>
internal sealed class CacheStatusCounters
{
    /// <summary>The statuses counted, in display order; anything else is counted as OTHER.</summary>
    public static readonly string[] Names = ["HIT", "MISS", "EXPIRED", "STALE", "BYPASS", "REVALIDATED", "UPDATING", "DYNAMIC", "OTHER"];

    private readonly long[] _counts = new long[Names.Length];

    /// <summary>Counts one request answered with the given <c>cf-cache-status</c>.</summary>
    public void Record(string cacheStatus) => Interlocked.Increment(ref _counts[IndexOf(cacheStatus)]);

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

    private static int IndexOf(string cacheStatus) => cacheStatus switch
    {
        "HIT" => 0,
        "MISS" => 1,
        "EXPIRED" => 2,
        "STALE" => 3,
        "BYPASS" => 4,
        "REVALIDATED" => 5,
        "UPDATING" => 6,
        "DYNAMIC" => 7,
        _ => 8,
    };
}
