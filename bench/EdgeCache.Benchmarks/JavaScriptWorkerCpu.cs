using System.Diagnostics;

namespace EdgeCache.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/EdgeCache.Benchmarks -- js-cpu [trivial|example-hit] [requests]</c>:
/// the CPU time and the allocation per request of a JavaScript worker in process (no sockets), with 16
/// requests in flight. CPU time, unlike wall time, barely moves when other work shares the machine, so this is
/// the figure to compare builds by on a busy machine (docs/javascript-workers.md).
/// </summary>
internal static class JavaScriptWorkerCpu
{
    private const int InFlight = 16;

    public static async Task RunAsync(string worker, int requests, TextWriter output)
    {
        using var bench = new JavaScriptWorkerBenchmarks { Worker = worker };
        await bench.Setup().ConfigureAwait(false);
        await RunBatchAsync(bench, requests).ConfigureAwait(false);

        for (var round = 1; round <= 3; round++)
        {
            GC.Collect();
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var wall = Stopwatch.StartNew();
            await RunBatchAsync(bench, requests).ConfigureAwait(false);
            wall.Stop();
            process.Refresh();
            var cpuPerRequest = (process.TotalProcessorTime - cpu).TotalMicroseconds / requests;
            var bytesPerRequest = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)requests;
            await output.WriteLineAsync(
                $"{worker} round {round}: {requests} requests, {cpuPerRequest:F0} us CPU/request, {bytesPerRequest / 1024:F1} KB allocated/request, {requests / wall.Elapsed.TotalSeconds:F0} req/s in process").ConfigureAwait(false);
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
