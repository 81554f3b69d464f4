using System.Diagnostics;
using System.Globalization;
using EdgeCache.Storage;

namespace EdgeCache.Benchmarks;

/// <summary>
/// CPU per disk-tier hit that the lookup cache does not answer: <c>rows</c> rows of <c>size</c>-byte bodies, then
/// lookups of them at random (the same sequence every run) with the lookup cache off, each body read to its end.
/// The SQLite query, its page reads and the body's, which a working set larger than the memory tier pays on every
/// request. Prints process CPU per hit, one thread.
/// </summary>
internal static class DiskHitCpu
{
    public static async Task RunAsync(int rows, int lookups, int size, TextWriter output)
    {
        var directory = BenchData.TempDirectory("hit");
        var store = DiskStore.Open(new DiskStoreOptions { DataDirectory = directory, SizeLimit = 8L << 30, WriteQueueCapacity = 1 << 20, LookupCacheSize = 0 });
        try
        {
            var body = BenchData.Body(size);
            var urls = new string[rows];
            for (var i = 0; i < rows; i++)
            {
                urls[i] = string.Create(CultureInfo.InvariantCulture, $"http://bench.example/body.bin?m=row-{i}");
                // A full write-behind queue drops a put (WriteQueueBytes): flush and put it again.
                while (!await BenchData.PutAsync(store, BenchData.Metadata(urls[i], body.Length), body).ConfigureAwait(false))
                {
                    await store.FlushAsync().ConfigureAwait(false);
                }

                if (i % 500 == 499)
                {
                    await store.FlushAsync().ConfigureAwait(false);
                }
            }

            await store.FlushAsync().ConfigureAwait(false);
            var onDisk = new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{rows} rows of {size} B: {onDisk / 1048576.0:F1} MiB on disk ({onDisk / (double)((long)rows * size):F2}x the bodies)"));
            var random = new Random(20);
            var keys = new string[lookups];
            for (var i = 0; i < lookups; i++)
            {
                keys[i] = urls[random.Next(rows)];
            }

            var sink = new byte[64 * 1024];
            for (var round = 0; round < 3; round++)
            {
                var process = Process.GetCurrentProcess();
                var cpu = process.TotalProcessorTime;
                long read = 0;
                foreach (var key in keys)
                {
                    var entry = await store.GetAsync(key).ConfigureAwait(false) ?? throw new InvalidOperationException("A stored key was not found.");
                    await using var stream = entry.OpenBody();
                    int n;
                    while ((n = await stream.ReadAsync(sink).ConfigureAwait(false)) > 0)
                    {
                        read += n;
                    }
                }

                process.Refresh();
                var used = process.TotalProcessorTime - cpu;
                if (read != (long)lookups * size)
                {
                    throw new InvalidOperationException("A body was short.");
                }

                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round}: {lookups} hits over {rows} rows of {size} B, {used.TotalMicroseconds / lookups:F2} us CPU per hit, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
            }
        }
        finally
        {
            await store.DisposeAsync().ConfigureAwait(false);
            Directory.Delete(directory, recursive: true);
        }
    }
}
