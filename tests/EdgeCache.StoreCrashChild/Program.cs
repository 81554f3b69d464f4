using System.Globalization;
using EdgeCache.StoreCrashChild;
using EdgeCache.Storage;

// Usage: EdgeCache.StoreCrashChild <data-dir> <writes>
// Writes version i of key (i % KeyCount) with CrashEntries.Body(i), four writers at a time, and prints
// "committed <i>" after each successful commit. The parent kills it with SIGKILL part way through.
var directory = args[0];
var writes = int.Parse(args[1], CultureInfo.InvariantCulture);
var store = DiskStore.Open(new DiskStoreOptions { DataDirectory = directory, SizeLimit = 4L * 1024 * 1024 * 1024 });
var next = -1;
var output = Console.Out;
var sync = new Lock();

async Task WriterAsync()
{
    int i;
    while ((i = Interlocked.Increment(ref next)) < writes)
    {
        var body = CrashEntries.Body(i);
        var writer = await store.BeginWriteAsync(CrashEntries.Metadata(i));
        if (writer is null)
        {
            continue;
        }

        await using (writer)
        {
            for (var offset = 0; offset < body.Length; offset += 16 * 1024)
            {
                await writer.WriteAsync(body.AsMemory(offset, Math.Min(16 * 1024, body.Length - offset)));
            }

            if (await writer.CommitAsync())
            {
                lock (sync)
                {
                    output.WriteLine($"committed {i}");
                    output.Flush();
                }
            }
        }
    }
}

await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(WriterAsync)));
await store.DisposeAsync();
