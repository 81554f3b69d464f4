
namespace EdgeCache.Server.Settings;

/// <summary>
/// The garbage collector's heap hard limit, derived from the budgets the settings give and set at start-up
/// (<c>AppContext.SetData("GCHeapHardLimit", ...)</c> then <see cref="GC.RefreshMemoryLimit"/>, .NET 8 and later).
/// With a limit the GC sizes its budgets against it and compacts harder as the heap nears it, which keeps the
/// garbage the memory tier's evictions leave from sitting in the process's RSS (docs/performance.md, "Session 10: RSS").
/// </summary>
/// <remarks>
/// The limit is what the heap may hold at once, so it is the sum of what the settings bound, plus a headroom for what
/// they do not (the runtime's own objects, Kestrel's buffer pools, per-connection and per-request state): a budget that
/// is not counted here is a request that fails with OutOfMemoryException once the tier is full. Connections are not
/// counted: 4,000 of them at once outgrew the headroom, which is why the limit is opt-in (<c>--heap-limit auto</c>).
/// </remarks>
internal static class GcHeapLimit
{
    /// <summary>
    /// What the heap holds besides the budgets: 26-46 MB of committed heap above the live data with the tier full under
    /// 32 connections of misses (gen0's allocation budget, the runtime's and Kestrel's objects, requests in flight).
    /// </summary>
    public const long Headroom = 64L << 20;


    /// <summary>
    /// The heap the settings' budgets may fill: the memory tier's budget (counted whole, though its bodies in memory files
    /// are outside the heap), the disk tier's write-behind queue (its bodies wait in the heap until their batch commits),
    /// two collapse buffers (fills holding a whole body for the requests that joined them), every worker engine's memory limit, and <see cref="Headroom"/>.
    /// </summary>
    public static long Derive(ServerSettings settings) => Saturating(Budgets(settings), Headroom);

    /// <summary>
    /// The smallest limit an operator may give: the derived one. Less headroom failed requests with OutOfMemoryException
    /// (budgets plus 32 MB, a 16 MB tier under 32 connections of 2 MB chunked misses): the GC takes the large object heap
    /// in 32 MB regions, and what the budgets do not count (connections, requests in flight) needs the rest.
    /// </summary>
    public static long Floor(ServerSettings settings) => Derive(settings);

    /// <summary>
    /// Whether the runtime's own configuration already sets a limit (<c>DOTNET_GCHeapHardLimit</c>, a percent, or the
    /// runtimeconfig.json property): the operator's explicit choice wins over the derived one. A container's memory
    /// limit is not such a setting: the derived limit is applied only when it is below the one the runtime took from it.
    /// </summary>
    public static bool SetByRuntimeConfiguration()
    {
        foreach (var name in (ReadOnlySpan<string>)["GCHeapHardLimit", "GCHeapHardLimitPercent", "GCHeapHardLimitSOH", "GCHeapHardLimitSOHPercent"])
        {
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_" + name))
                || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("COMPlus_" + name)))
            {
                return true;
            }
        }

        return AppContext.GetData("System.GC.HeapHardLimit") is not null || AppContext.GetData("System.GC.HeapHardLimitPercent") is not null;
    }

    private static long Budgets(ServerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var memoryTier = settings.Store is "memory" or "tiered" ? settings.MemorySizeBytes : 0;
        var writeQueue = settings.Store is "disk" or "tiered" ? settings.DiskWriteQueueBytes : 0;
        var fills = Saturating(settings.MaxBufferedObjectSizeBytes, settings.MaxBufferedObjectSizeBytes);
        var workers = settings.Worker is null ? 0 : Math.Min(long.MaxValue / 64, settings.WorkerMemoryLimitBytes) * settings.WorkerEngines;
        return Saturating(memoryTier, writeQueue, fills, workers);
    }

    /// <summary>
    /// Sets <paramref name="bytes"/> as the heap hard limit. Returns false (nothing changed) when the runtime refuses it,
    /// for example a limit below what the heap has already committed, or a platform without the setting.
    /// </summary>
    public static bool TryApply(long bytes, out string? error)
    {
        error = null;
        try
        {
            AppContext.SetData("GCHeapHardLimit", (ulong)bytes);
            GC.RefreshMemoryLimit();
            return true;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or PlatformNotSupportedException)
        {
            // Back to what the runtime started with, so a later refresh does not pick the refused value up.
            AppContext.SetData("GCHeapHardLimit", null);
            error = ex.Message;
            return false;
        }
    }

    private static long Saturating(params ReadOnlySpan<long> parts)
    {
        long total = 0;
        foreach (var part in parts)
        {
            total = part > long.MaxValue - total ? long.MaxValue : total + part;
        }

        return total;
    }
}
