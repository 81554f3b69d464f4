using EdgeCache.Storage;

namespace EdgeCache.Server.Status;

/// <summary>What <c>/status.json</c> answers, and the status page shows.</summary>
/// <param name="GeneratedAt">When this report was made.</param>
/// <param name="StartedAt">When the server started.</param>
/// <param name="Version">The server's version.</param>
/// <param name="Origin">The origin URL.</param>
/// <param name="Requests">All requests since start.</param>
/// <param name="Cached">Requests answered from a stored response since start.</param>
/// <param name="ByStatus">Requests since start per cache status.</param>
/// <param name="BucketSeconds">The length of one history bucket.</param>
/// <param name="History">Requests and cached responses per bucket, oldest first; the last bucket is in progress.</param>
/// <param name="Store">The store as a whole.</param>
/// <param name="Tiers">Each tier of the store, top tier first (the store itself when it has no tiers).</param>
/// <param name="TopKeys">The most requested URLs.</param>
/// <param name="OriginHealth">Origin round trips, failures and latency.</param>
/// <param name="WaitUntilPending">waitUntil work started and not finished.</param>
internal sealed record StatusReport(
    DateTimeOffset GeneratedAt,
    DateTimeOffset StartedAt,
    string Version,
    string Origin,
    long Requests,
    long Cached,
    IReadOnlyList<CacheStatusCount> ByStatus,
    int BucketSeconds,
    IReadOnlyList<HitRatioPoint> History,
    StoreStatistics Store,
    IReadOnlyList<StoreStatistics> Tiers,
    TopKeys TopKeys,
    OriginHealth OriginHealth,
    int WaitUntilPending);
