using System.Diagnostics;
using System.Globalization;
using EdgeCache.Storage;

namespace EdgeCache.Benchmarks;

/// <summary>
/// CPU per disk-tier lookup of a key that was never written (what a tiered miss pays below memory), with the index
/// holding <c>rows</c> rows of 1 KB: the pending table, the key's hash and the SQLite query. Prints process CPU per
/// lookup, one thread, so the figure is the lookup's alone.
/// </summary>
internal static class DiskMissCpu
{
    public static async Task RunAsync(int rows, int lookups, TextWriter output)
    {
        var directory = BenchData.TempDirectory("miss");
        var store = DiskStore.Open(new DiskStoreOptions { DataDirectory = directory, SizeLimit = 4L << 30, WriteQueueCapacity = 1 << 20 });
        try
        {
            var body = BenchData.Body(1024);
            for (var i = 0; i < rows; i++)
            {
                var url = string.Create(CultureInfo.InvariantCulture, $"http://bench.example/1k.bin?m=row-{i}");
                await BenchData.PutAsync(store, BenchData.Metadata(url, body.Length), body).ConfigureAwait(false);
                if (i % 2000 == 1999)
                {
                    await store.FlushAsync().ConfigureAwait(false);
                }
            }

            await store.FlushAsync().ConfigureAwait(false);
            var keys = new string[lookups];
            for (var i = 0; i < lookups; i++)
            {
                keys[i] = string.Create(CultureInfo.InvariantCulture, $"http://bench.example/1k.bin?m=absent-{i}");
            }

            for (var round = 0; round < 3; round++)
            {
                var process = Process.GetCurrentProcess();
                var cpu = process.TotalProcessorTime;
                var found = 0;
                foreach (var key in keys)
                {
                    if (await store.GetAsync(key).ConfigureAwait(false) is not null)
                    {
                        found++;
                    }
                }

                process.Refresh();
                var used = process.TotalProcessorTime - cpu;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round}: {lookups} lookups of absent keys over {rows} rows, {used.TotalMicroseconds / lookups:F2} us CPU per lookup ({found} found), load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
            }
        }
        finally
        {
            await store.DisposeAsync().ConfigureAwait(false);
            Directory.Delete(directory, recursive: true);
        }
    }
}
