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
    internal static ObservableGauge<long> MemoryFiles { get; } = Meter.CreateObservableGauge(
        "edgecache.store.memory_files", static () => MemoryBodyFiles.ProcessOpenFiles, "{file}",
        "Memory-tier bodies kept in memory files (memfd), stored or still being sent, in this process.");

    internal static ObservableGauge<long> MemoryFileBytes { get; } = Meter.CreateObservableGauge(
        "edgecache.store.memory_file_bytes", static () => MemoryBodyFiles.ProcessBytes, "By",
        "Bytes in the memory tier's memory files: shared memory (Shmem), counted in the tier's bytes but not in the process's RSS.");

    internal static ObservableGauge<long> MemoryNativeBytes { get; } = Meter.CreateObservableGauge(
        "edgecache.store.memory_native_bytes", static () => NativeBodyArena.ProcessUsedBytes, "By",
        "Bytes in the native blocks that hold the memory tier's bodies under 64 KB (off the GC heap), stored, being read or being written.");

    internal static ObservableGauge<long> MemoryNativeSlabBytes { get; } = Meter.CreateObservableGauge(
        "edgecache.store.memory_native_slab_bytes", static () => NativeBodyArena.ProcessSlabBytes, "By",
        "Bytes of the native slabs those blocks are cut from, free blocks included: what the process holds for them.");

    internal static Counter<long> WritesDropped { get; } = Meter.CreateCounter<long>(
        "edgecache.store.writes_dropped", "{entry}", "Store writes dropped because the tier's write-behind queue was full (the response was still served), per tier.");
}
