using System.Diagnostics;
using EdgeCache.Server.Settings;

namespace EdgeCache.Server.Hosting;

/// <summary>
/// Gives malloc's free memory back to the system once the server has started (after the warm-up) and then every
/// <see cref="ServerSettings.NativeHeapTrimInterval"/>.
/// </summary>
/// <remarks>
/// glibc keeps what was freed in its arenas (one per thread that allocated, up to eight per core) and returns only the
/// top of an arena, so the JIT's scratch memory of the warm-up and of later tier-1 compiles, and SQLite's page caches
/// and statements spread over several arenas, stay resident long after they are freed: 9-13 MiB of the tiered store's
/// RSS under unique-key misses, which one <c>malloc_trim(0)</c> gave back (docs/performance.md, "Session 13: tiered
/// RSS"). The trim walks each arena under its lock; what it releases is only free memory.
/// </remarks>
internal sealed class NativeHeapTrimmer(ServerSettings settings, ILogger<NativeHeapTrimmer> logger) : BackgroundService
{
    private int _trims;

    /// <summary>Trims done (tests).</summary>
    public int Trims => Volatile.Read(ref _trims);

    /// <summary>The first trim, before the listener opens: what the warm-up's JIT and store freed goes back at once.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        Trim();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.NativeHeapTrimInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            Trim();
        }
    }

    private void Trim()
    {
        var started = Stopwatch.GetTimestamp();
        var released = NativeHeap.Trim();
        Interlocked.Increment(ref _trims);
        ServerLog.NativeHeapTrimmed(logger, released, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }
}
