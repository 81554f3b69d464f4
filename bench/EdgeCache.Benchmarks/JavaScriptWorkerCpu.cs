using System.Diagnostics;

namespace EdgeCache.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/EdgeCache.Benchmarks -- js-cpu [trivial|example-hit|FILE.js] [requests] [alloc]</c>:
/// the CPU time and the allocation per request of a JavaScript worker in process (no sockets), with 16
/// requests in flight. CPU time, unlike wall time, barely moves when other work shares the machine, so this is
/// the figure to compare builds by on a busy machine (docs/javascript-workers.md). <c>alloc</c> adds the
/// types that were allocated, from the runtime's allocation samples. Each round also gives the engine thread's own
/// CPU per request (the interpreter and the host functions it calls, from /proc; the rest is the thread pool's
/// hand-off and the GC), which moves less with the machine's load than the process's. <c>JS_CPU_ROUNDS</c>
/// (default 3) sets the number of rounds.
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

        var rounds = int.TryParse(Environment.GetEnvironmentVariable("JS_CPU_ROUNDS"), out var r) && r > 0 ? r : 3;
        for (var round = 1; round <= rounds; round++)
        {
            GC.Collect();
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var engineTicks = EngineThreadTicks();
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var collections = GC.CollectionCount(0);
            var paused = GC.GetTotalPauseDuration();
            var wall = Stopwatch.StartNew();
            await RunBatchAsync(bench, requests).ConfigureAwait(false);
            wall.Stop();
            process.Refresh();
            var cpuPerRequest = (process.TotalProcessorTime - cpu).TotalMicroseconds / requests;
            var enginePerRequest = (EngineThreadTicks() - engineTicks) * 1e6 / TicksPerSecond / requests;
            var bytesPerRequest = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)requests;
            var pausePerRequest = (GC.GetTotalPauseDuration() - paused).TotalMicroseconds / requests;
            await output.WriteLineAsync(
                $"{worker} round {round}: {requests} requests, {cpuPerRequest:F0} us CPU/request (engine thread {enginePerRequest:F1}), {bytesPerRequest / 1024:F1} KB allocated/request, "
                + $"{GC.CollectionCount(0) - collections} GCs ({pausePerRequest:F1} us paused/request), {requests / wall.Elapsed.TotalSeconds:F0} req/s in process").ConfigureAwait(false);
        }

        foreach (var (type, share) in sampler?.Top(60) ?? [])
        {
            await output.WriteLineAsync($"  {share,6:P1}  {type}").ConfigureAwait(false);
        }
    }

    // USER_HZ, the unit of /proc/*/stat's utime and stime: 100 on Linux.
    private const double TicksPerSecond = 100;

    // utime + stime of the worker's engine threads ("edgecache-js ..."), in clock ticks; 0 where there is no /proc.
    private static long EngineThreadTicks()
    {
        long total = 0;
        if (!Directory.Exists("/proc/self/task"))
        {
            return 0;
        }

        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (!File.ReadAllText(Path.Combine(task, "comm")).StartsWith("edgecache-js", StringComparison.Ordinal))
                {
                    continue;
                }

                // The fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                total += long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }

        return total;
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
