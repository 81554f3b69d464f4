using System.Reflection;
using EdgeCache.AspNetCore.Hosting;
using EdgeCache.Server.Settings;
using EdgeCache.Storage;

namespace EdgeCache.Server.Status;

/// <summary>Gathers the status page's figures from the request counters, the store, the origin monitor and the waitUntil tracker.</summary>
internal sealed class StatusReporter(
    ServerSettings settings,
    ICacheStore store,
    CacheStatusCounters counters,
    HitRatioHistory history,
    TopKeyTracker topKeys,
    OriginHealthMonitor origin,
    WaitUntilTracker waitUntil,
    TimeProvider time)
{
    /// <summary>Top keys reported.</summary>
    public const int TopKeyCount = 10;

    private static readonly string Version =
        typeof(StatusReporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    /// <summary>Starts the sampling behind the history and the origin figures.</summary>
    public void Start()
    {
        history.Start();
        origin.Start();
    }

    public StatusReport Report()
    {
        var (requests, cached) = counters.Totals();
        var overall = store.GetStatistics();
        IReadOnlyList<StoreStatistics> tiers = store is ITieredStoreStatistics tiered ? tiered.GetTierStatistics() : [overall];
        return new StatusReport(
            time.GetUtcNow(),
            _startedAt,
            Version,
            settings.OriginUri.ToString(),
            requests,
            cached,
            counters.Snapshot(),
            (int)HitRatioHistory.BucketLength.TotalSeconds,
            history.Snapshot(),
            overall,
            tiers,
            topKeys.Snapshot(TopKeyCount),
            origin.Snapshot(),
            waitUntil.Pending);
    }
}
