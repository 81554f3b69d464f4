using System.Diagnostics;

namespace EdgeCache.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/EdgeCache.Benchmarks -- js-cpu [trivial|example-hit|FILE.js] [requests] [alloc]</c>:
/// the CPU time and the allocation per request of a JavaScript worker in process (no sockets), with 16
/// requests in flight. CPU time, unlike wall time, barely moves when other work shares the machine, so this is
/// the figure to compare builds by on a busy machine (docs/javascript-workers.md). <c>alloc</c> adds the
/// types that were allocated, from the runtime's allocation samples.
/// </summary>
internal static class JavaScriptWorkerCpu
{
    private const int InFlight = 16;

    public static async Task RunAsync(string worker, int requests, bool sampleAllocations, TextWriter output)
    {
        using var sampler = sampleAllocations ? new AllocationSampler() : null;
        using var bench = new JavaScriptWorkerBenchmarks { Worker = worker };
        await bench.Setup().ConfigureAwait(false);
        await RunBatchAsync(bench, requests).ConfigureAwait(false);
        sampler?.Clear();

        for (var round = 1; round <= 3; round++)
        {
            GC.Collect();
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var collections = GC.CollectionCount(0);
            var paused = GC.GetTotalPauseDuration();
            var wall = Stopwatch.StartNew();
            await RunBatchAsync(bench, requests).ConfigureAwait(false);
            wall.Stop();
            process.Refresh();
            var cpuPerRequest = (process.TotalProcessorTime - cpu).TotalMicroseconds / requests;
            var bytesPerRequest = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)requests;
            var pausePerRequest = (GC.GetTotalPauseDuration() - paused).TotalMicroseconds / requests;
            await output.WriteLineAsync(
                $"{worker} round {round}: {requests} requests, {cpuPerRequest:F0} us CPU/request, {bytesPerRequest / 1024:F1} KB allocated/request, "
                + $"{GC.CollectionCount(0) - collections} GCs ({pausePerRequest:F1} us paused/request), {requests / wall.Elapsed.TotalSeconds:F0} req/s in process").ConfigureAwait(false);
        }

        foreach (var (type, share) in sampler?.Top(60) ?? [])
        {
            await output.WriteLineAsync($"  {share,6:P1}  {type}").ConfigureAwait(false);
        }
    }

    private static async Task RunBatchAsync(JavaScriptWorkerBenchmarks bench, int requests)
    {
        var next = 0;
        var lanes = Enumerable.Range(0, InFlight).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= requests)
            {
                await bench.Request().ConfigureAwait(false);
            }
        });
        await Task.WhenAll(lanes).ConfigureAwait(false);
    }
}
