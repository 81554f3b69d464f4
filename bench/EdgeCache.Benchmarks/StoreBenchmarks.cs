using BenchmarkDotNet.Attributes;
using EdgeCache.Storage;

namespace EdgeCache.Benchmarks;

/// <summary>Get (lookup and read the whole body) and put (stream in and commit) per tier and body size.</summary>
[MemoryDiagnoser]
public class StoreBenchmarks
{
    private const string Key = "https://bench.example/object";
    private ICacheStore _store = null!;
    private byte[] _body = null!;
    private byte[] _readBuffer = null!;
    private string? _directory;
    private DiskStore? _disk;

    /// <summary>The tier under test.</summary>
    [Params("memory", "disk", "tiered")]
    public string Tier { get; set; } = "memory";

    /// <summary>The body size in bytes.</summary>
    [Params(1024, 100 * 1024, 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _body = BenchData.Body(Size);
        _readBuffer = new byte[64 * 1024];
        var memory = new MemoryStoreOptions { SizeLimit = 256L * 1024 * 1024, MaxObjectSize = 32L * 1024 * 1024 };
        _directory = BenchData.TempDirectory("store");
        var disk = new DiskStoreOptions { DataDirectory = _directory, SizeLimit = 1L << 30 };
        _disk = Tier == "memory" ? null : DiskStore.Open(disk);
        _store = Tier switch
        {
            "memory" => new MemoryStore(memory),
            "disk" => _disk!,
            _ => new TieredStore(new MemoryStore(memory), _disk!),
        };
        if (!BenchData.PutAsync(_store, BenchData.Metadata(Key, Size), _body).GetAwaiter().GetResult())
        {
            throw new InvalidOperationException("The setup put was not stored.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (_directory is not null && Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>A hit: look up and read the whole body.</summary>
    [Benchmark]
    public async Task<long> Get()
    {
        var entry = await _store.GetAsync(Key).ConfigureAwait(false) ?? throw new InvalidOperationException("miss");
        if (entry.TryGetMemory(out var memory))
        {
            return memory.Length;
        }

        var body = entry.OpenBody();
        await using (body.ConfigureAwait(false))
        {
            long total = 0;
            int read;
            while ((read = await body.ReadAsync(_readBuffer).ConfigureAwait(false)) > 0)
            {
                total += read;
            }

            return total;
        }
    }

    /// <summary>A put that replaces the entry: stream the body in 64 KB chunks and commit (on disk: the index row is queued).</summary>
    [Benchmark]
    public Task<bool> Put() => BenchData.PutAsync(_store, BenchData.Metadata(Key, Size), _body);

    /// <summary>
    /// A put, then waiting until the disk tier's index row is committed: what one write costs when no other
    /// write shares its batch transaction (the memory tier has nothing to wait for).
    /// </summary>
    [Benchmark]
    public async Task<bool> PutCommitted()
    {
        var stored = await BenchData.PutAsync(_store, BenchData.Metadata(Key, Size), _body).ConfigureAwait(false);
        if (_disk is not null)
        {
            await _disk.FlushAsync().ConfigureAwait(false);
        }

        return stored;
    }
}
