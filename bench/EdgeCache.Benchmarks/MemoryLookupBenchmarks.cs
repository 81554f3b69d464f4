using BenchmarkDotNet.Attributes;
using EdgeCache.Storage;

namespace EdgeCache.Benchmarks;

/// <summary>The memory tier's hit path alone: one lookup, no body read. It must allocate nothing.</summary>
[MemoryDiagnoser]
public class MemoryLookupBenchmarks
{
    private readonly MemoryStore _store = new();
    private readonly string _key = "https://bench.example/hot";

    [GlobalSetup]
    public void Setup()
    {
        for (var i = 0; i < 100_000; i++)
        {
            BenchData.PutAsync(_store, BenchData.Metadata($"https://bench.example/{i}"), [1, 2, 3]).GetAwaiter().GetResult();
        }

        BenchData.PutAsync(_store, BenchData.Metadata(_key), BenchData.Body(1024)).GetAwaiter().GetResult();
    }

    /// <summary>A hit among 100 000 entries.</summary>
    [Benchmark]
    public CacheEntry? Hit() => _store.GetAsync(_key).Result;

    /// <summary>A miss among 100 000 entries.</summary>
    [Benchmark]
    public CacheEntry? Miss() => _store.GetAsync("https://bench.example/absent").Result;
}
