using BenchmarkDotNet.Attributes;
using EdgeCache.Storage;

namespace EdgeCache.Benchmarks;

/// <summary>
/// Purge by tag on the disk tier: 10,000 entries carry the tag, among 20,000. Each iteration starts
/// from a fresh copy of a populated index (filled in bulk with the store's own schema), opens the
/// store and purges the tag. Goal: under one second.
/// </summary>
[MemoryDiagnoser]
public class PurgeByTagBenchmarks
{
    private const string Tag = "product";
    private string _pristine = null!;
    private string _work = null!;
    private DiskStore _store = null!;

    /// <summary>Entries carrying the purged tag.</summary>
    [Params(10_000)]
    public int Tagged { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _pristine = Path.Combine(Path.GetTempPath(), "edgecache-bench", $"purge-{Tagged}");
        if (!File.Exists(Path.Combine(_pristine, "populated")))
        {
            Populate(_pristine, Tagged);
        }
    }

    [IterationSetup]
    public void OpenFreshCopy()
    {
        _work = BenchData.TempDirectory("purge-run");
        Directory.CreateDirectory(_work);
        foreach (var file in Directory.GetFiles(_pristine))
        {
            File.Copy(file, Path.Combine(_work, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.GetDirectories(_pristine))
        {
            Directory.CreateDirectory(Path.Combine(_work, Path.GetFileName(directory)));
        }

        _store = DiskStore.Open(new DiskStoreOptions { DataDirectory = _work, SizeLimit = 1L << 40 });
    }

    /// <summary>Purge the tag; returns how many entries went (must be <see cref="Tagged"/>).</summary>
    [Benchmark]
    public async Task<long> PurgeTag()
    {
        var purged = await _store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, Tag)).ConfigureAwait(false);
        return purged == Tagged ? purged : throw new InvalidOperationException($"purged {purged}, expected {Tagged}");
    }

    [IterationCleanup]
    public void Cleanup()
    {
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_work, recursive: true);
    }

    private static void Populate(string directory, int tagged)
    {
        BenchIndex.Populate(directory, tagged * 2L, i => i <= tagged ? Tag : "other");
        File.WriteAllText(Path.Combine(directory, "populated"), "ok");
    }
}
