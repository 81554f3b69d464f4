using BenchmarkDotNet.Attributes;
using EdgeCache.Storage;

namespace EdgeCache.Benchmarks;

/// <summary>
/// Reopening a disk tier that holds a million entries (after a clean shutdown), then serving one hit.
/// The index is filled in bulk with the store's own schema and serializer; only the looked-up entry has
/// a body file, since opening never touches the body files.
/// </summary>
[MemoryDiagnoser]
public class DiskReopenBenchmarks
{
    private string _directory = null!;

    /// <summary>Entries in the index.</summary>
    [Params(1_000_000)]
    public int Entries { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "edgecache-bench", $"reopen-{Entries}");
        if (!File.Exists(Path.Combine(_directory, "populated")))
        {
            Populate(_directory, Entries);
        }
    }

    /// <summary>Open the store, look up one entry (index and body file), close it.</summary>
    [Benchmark]
    public async Task<long> OpenAndHit()
    {
        var store = DiskStore.Open(new DiskStoreOptions { DataDirectory = _directory, SizeLimit = 1L << 40 });
        await using (store.ConfigureAwait(false))
        {
            var entry = await store.GetAsync(Key(1)).ConfigureAwait(false) ?? throw new InvalidOperationException("miss after reopen");
            return entry.Metadata.BodyLength + store.GetStatistics().Entries;
        }
    }

    internal static string Key(long id) => $"https://bench.example/objects/{id}?v=1";

    private static void Populate(string directory, int entries)
    {
        BenchIndex.Populate(directory, entries, static _ => null);
        File.WriteAllBytes(Path.Combine(directory, "bodies", "01", 1L.ToString("x16", System.Globalization.CultureInfo.InvariantCulture)), new byte[1000]);
        File.WriteAllText(Path.Combine(directory, "populated"), "");
    }
}
