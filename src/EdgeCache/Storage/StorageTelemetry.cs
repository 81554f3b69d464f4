using System.Diagnostics.Metrics;

namespace EdgeCache.Storage;

/// <summary>
/// The metrics the storage tiers raise themselves. They go to the same meter name as
/// <c>EdgeCache.Diagnostics.EdgeCacheTelemetry</c> ("EdgeCache"), but through a meter of their own, so that
/// storage does not depend on the diagnostics layer above it (which reads the tiers' statistics).
/// </summary>
internal static class StorageTelemetry
{
    private static readonly Meter Meter = new("EdgeCache", "1.0");

    /// <summary>Store writes dropped because a tier's write-behind queue was full (the response was still served).</summary>
    internal static Counter<long> WritesDropped { get; } = Meter.CreateCounter<long>(
        "edgecache.store.writes_dropped", "{entry}", "Store writes dropped because the tier's write-behind queue was full (the response was still served), per tier.");
}
