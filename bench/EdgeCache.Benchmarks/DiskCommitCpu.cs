using System.Diagnostics;
using System.Globalization;
using EdgeCache.Storage;

namespace EdgeCache.Benchmarks;

/// <summary>
/// CPU per disk-tier write of a 1 KB body (kept in its index row), end to end: the put on the caller's thread and
/// the write-behind commit of its row, with rows arriving as a miss stream brings them (new keys, a flush every
/// few thousand). Prints process CPU per entry, so the committer's share is counted, which a BenchmarkDotNet
/// put (timed on the caller's thread) leaves out.
/// </summary>
internal static class DiskCommitCpu
{
    public static async Task RunAsync(int count, TextWriter output)
    {
        var directory = BenchData.TempDirectory("commit");
        var store = DiskStore.Open(new DiskStoreOptions { DataDirectory = directory, SizeLimit = 4L << 30, WriteQueueCapacity = 1 << 20 });
        try
        {
            var body = BenchData.Body(1024);
            await PutAsync(store, body, "warm", count / 4).ConfigureAwait(false);
            for (var round = 0; round < 3; round++)
            {
                var process = Process.GetCurrentProcess();
                var cpu = process.TotalProcessorTime;
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                var wall = Stopwatch.StartNew();
                await PutAsync(store, body, "r" + round.ToString(CultureInfo.InvariantCulture), count).ConfigureAwait(false);
                process.Refresh();
                var used = process.TotalProcessorTime - cpu;
                var bytes = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)count;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round}: {count} puts of 1 KB, {used.TotalMicroseconds / count:F1} us CPU per put (put + row commit), {wall.Elapsed.TotalMicroseconds / count:F1} us wall, {bytes:F0} B allocated per put, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
            }
        }
        finally
        {
            await store.DisposeAsync().ConfigureAwait(false);
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task PutAsync(DiskStore store, byte[] body, string prefix, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var url = string.Create(CultureInfo.InvariantCulture, $"http://bench.example/1k.bin?m={prefix}-{i}");
            if (!await BenchData.PutAsync(store, BenchData.Metadata(url, body.Length), body).ConfigureAwait(false))
            {
                throw new InvalidOperationException("A put was not stored.");
            }

            if (i % 2000 == 1999)
            {
                await store.FlushAsync().ConfigureAwait(false);
            }
        }

        await store.FlushAsync().ConfigureAwait(false);
    }
}
