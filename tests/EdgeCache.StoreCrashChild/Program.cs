using System.Globalization;
using EdgeCache.StoreCrashChild;
using EdgeCache.Storage;

// Usage: EdgeCache.StoreCrashChild <data-dir> <writes> [tiered]
// With "tiered" the writes go through a tiered store (memory over the disk store), so small bodies take its shared-array
// path (the memory entry and the disk row hold one array).
// Writes version i of key (i % KeyCount) with CrashEntries.Body(i), four writers at a time, prints
// "begun <i>" before each write starts (a kill may come between a commit and its line, so what the parent may
// find is any begun version) and "committed <i>" after each successful commit (accepted: its index row may still wait in the write-behind
// queue). A fifth task repeatedly waits for the queue to drain and then prints "flushed <n>": the first n
// "committed" lines are in the index. The parent kills it with SIGKILL part way through.
var directory = args[0];
var writes = int.Parse(args[1], CultureInfo.InvariantCulture);
var tiered = args.Length > 2 && args[2] == "tiered";

// A slow index disk (injected): rows pile up in the write-behind queue, so the kill finds many of them there.
var disk = DiskStore.Open(new DiskStoreOptions
{
    DataDirectory = directory,
    SizeLimit = 4L * 1024 * 1024 * 1024,
    BeforeBatchCommit = () => Task.Delay(30),
});
ICacheStore store = tiered ? new TieredStore(new MemoryStore(new MemoryStoreOptions { SizeLimit = 64L * 1024 * 1024 }), disk) : disk;
var next = -1;
var output = Console.Out;
var sync = new Lock();
var printed = 0;
var writersDone = 0;

async Task WriterAsync()
{
    int i;
    while ((i = Interlocked.Increment(ref next)) < writes)
    {
        var body = CrashEntries.Body(i);
        lock (sync)
        {
            output.WriteLine($"begun {i}");
            output.Flush();
        }

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
                    printed++;
                }
            }
        }
    }
}

async Task FlusherAsync()
{
    while (Volatile.Read(ref writersDone) == 0)
    {
        int before;
        lock (sync)
        {
            before = printed;
        }

        await disk.FlushAsync();
        lock (sync)
        {
            output.WriteLine($"flushed {before}");
            output.Flush();
        }

        await Task.Delay(20);
    }
}

var flusher = Task.Run(FlusherAsync);
await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(WriterAsync)));
Volatile.Write(ref writersDone, 1);
await flusher;
await store.DisposeAsync();
