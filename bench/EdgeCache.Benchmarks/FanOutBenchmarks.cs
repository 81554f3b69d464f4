using System.Buffers;
using BenchmarkDotNet.Attributes;
using EdgeCache.AspNetCore.Proxy;
using EdgeCache.Http;

namespace EdgeCache.Benchmarks;

/// <summary>
/// The two body fan-outs side by side, one origin body to two readers (issue #15: one if one can serve both at the
/// same speed): <see cref="TeeSource"/> (the Cache API's <c>response.clone()</c>, bounded lag, nothing retained) and
/// <see cref="GrowingBuffer"/> (the proxy's collapsing buffer, the body kept whole for late joiners). The source is a
/// memory stream read in 64 KB pieces, the readers copy into <see cref="Stream.Null"/>.
/// </summary>
[MemoryDiagnoser]
public class FanOutBenchmarks
{
    private byte[] _body = [];

    /// <summary>The body size.</summary>
    [Params(16 * 1024, 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup() => _body = BenchData.Body(Size);

    /// <summary>Two readers of one body through the Cache API's tee.</summary>
    [Benchmark(Baseline = true)]
    public async Task Tee()
    {
        using var tee = new TeeSource(new MemoryStream(_body, writable: false));
        await Task.WhenAll(tee.First.CopyToAsync(Stream.Null), tee.Second.CopyToAsync(Stream.Null)).ConfigureAwait(false);
    }

    /// <summary>Two readers of one body through the proxy's growing buffer, fed as the proxy's fill feeds it.</summary>
    [Benchmark]
    public async Task Growing()
    {
        var buffer = new GrowingBuffer(_body.Length);
        var first = buffer.CopyToAsync(Stream.Null, 0, -1, CancellationToken.None);
        var second = buffer.CopyToAsync(Stream.Null, 0, -1, CancellationToken.None);
        using var source = new MemoryStream(_body, writable: false);
        var chunk = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int read;
            while ((read = await source.ReadAsync(chunk.AsMemory(0, 64 * 1024)).ConfigureAwait(false)) > 0)
            {
                buffer.Append(chunk.AsSpan(0, read));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        buffer.Complete();
        await Task.WhenAll(first, second).ConfigureAwait(false);
    }
}
