using BenchmarkDotNet.Attributes;
using EdgeCache.AspNetCore.Proxy;
using EdgeCache.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCache.Benchmarks;

/// <summary>
/// The proxy's hit path in process, without sockets: key computation, the whole fresh hit
/// (<see cref="CachingProxy.InvokeAsync"/>: key, memory-store lookup, age, headers, body) and the
/// response writer alone, into a <see cref="DefaultHttpContext"/> whose body is <see cref="Stream.Null"/>.
/// Kestrel's own header and socket work is not included (the load script measures that).
/// </summary>
[MemoryDiagnoser]
public class ProxyHitPathBenchmarks : IDisposable
{
    private const string Origin = "http://127.0.0.1:9";

    private readonly MemoryStore _store = new();
    private readonly DefaultHttpContext _context = new();
    private CachingProxy _proxy = null!;
    private CacheEntry _entry = null!;

    /// <summary>The body size of the cached object.</summary>
    [Params(1024, 100 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var path = "/" + Size + ".bin";
        var key = Origin + path;
        var metadata = BenchData.Metadata(key, Size) with
        {
            Headers =
            [
                new("Date", "Fri, 27 Nov 2026 12:00:00 GMT"),
                new("Content-Type", "application/octet-stream"),
                new("Cache-Control", "public, max-age=3600"),
                new("ETag", "\"5f1e\""),
                new("Last-Modified", "Thu, 26 Nov 2026 10:00:00 GMT"),
            ],
        };
        BenchData.PutAsync(_store, metadata, BenchData.Body(Size)).GetAwaiter().GetResult();
        _entry = _store.GetAsync(key).Result ?? throw new InvalidOperationException("the entry was not stored");
        _proxy = new CachingProxy(
            new CachingProxyOptions { Origin = new Uri(Origin) }, _store, new FixedTimeProvider(BenchData.Now.AddSeconds(30)),
            NullLogger.Instance, tracker: null);
        _context.Request.Method = HttpMethods.Get;
        _context.Request.Scheme = "http";
        _context.Request.Host = new HostString("bench.example");
        _context.Request.Path = path;
        _context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget = path; // as Kestrel sets it
        _context.Response.Body = Stream.Null;
    }

    /// <summary>Maps the request onto the origin and computes the cache key.</summary>
    [Benchmark]
    public string? Key() => _proxy.Resolve(_context)?.Key;

    /// <summary>A whole fresh hit through the proxy.</summary>
    [Benchmark]
    public Task Hit()
    {
        Reset();
        return _proxy.InvokeAsync(_context);
    }

    /// <summary>The response writer alone: stored headers, Age, Cache-Status and the body.</summary>
    [Benchmark]
    public Task WriteStored()
    {
        Reset();
        var metadata = _entry.Metadata;
        return StoredResponseWriter.WriteAsync(
            _context, metadata.StatusCode, metadata.Headers, _entry, null, metadata.BodyLength, 30,
            "EdgeCache; hit; ttl=3570", EdgeCacheStatus.Hit, "1.1 edgecache");
    }

    public void Dispose()
    {
        _proxy?.Dispose();
        GC.SuppressFinalize(this);
    }

    private void Reset()
    {
        _context.Response.Headers.Clear();
        _context.Response.StatusCode = StatusCodes.Status200OK;
    }
}
