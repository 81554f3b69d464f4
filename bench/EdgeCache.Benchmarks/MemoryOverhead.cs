using System.Globalization;
using EdgeCache.Storage;

namespace EdgeCache.Benchmarks;

/// <summary>
/// Bytes the memory tier uses per entry beyond the key string and the body array, with a million entries.
/// Header lists and host strings are shared between entries, so what is measured is the store's own
/// structures plus the <see cref="EntryMetadata"/> record.
/// </summary>
internal static class MemoryOverhead
{
    private const int Entries = 1_000_000;
    private const int BodyLength = 16;

    public static async Task RunAsync(TextWriter output)
    {
        IReadOnlyList<KeyValuePair<string, string>> headers = [new("Content-Type", "text/plain")];
        var store = new MemoryStore(new MemoryStoreOptions { SizeLimit = 4L << 30 });
        var before = Measure();
        long keyBytes = 0;
        for (var i = 0; i < Entries; i++)
        {
            var key = $"https://bench.example/objects/{i:D7}";
            keyBytes += StringSize(key);
            var metadata = BenchData.Metadata(key) with { Headers = headers, Host = "bench.example" };
            await BenchData.PutAsync(store, metadata, new byte[BodyLength]).ConfigureAwait(false);
        }

        var after = Measure();
        GC.KeepAlive(store);
        var bodyBytes = (long)Entries * ArraySize(BodyLength);
        var perEntry = (double)(after - before - keyBytes - bodyBytes) / Entries;
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"| {Entries:N0} | {(after - before) / (1024.0 * 1024):0.0} MB | {keyBytes / Entries} B | {bodyBytes / Entries} B | {perEntry:0} B |")).ConfigureAwait(false);
    }

    private static long Measure()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    // Object header and method table (16) + length (4) + UTF-16 chars + terminator (2), aligned to 8.
    private static long StringSize(string s) => Align(16 + 4 + (2L * s.Length) + 2);

    // Object header and method table (16) + length (8) + bytes, aligned to 8.
    private static long ArraySize(int length) => Align(16 + 8 + length);

    private static long Align(long n) => (n + 7) & ~7L;
}
