using System.Net;
using System.Net.Http.Headers;
using BenchmarkDotNet.Attributes;
using EdgeCache.AspNetCore.Proxy;
using EdgeCache.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCache.Benchmarks;

/// <summary>
/// The proxy's miss path in process: a request for a new key through <see cref="CachingProxy.InvokeAsync"/>
/// (key, lookup, collapse registration, origin request built, response headers evaluated and stored,
/// body teed into the collapse buffer and the memory store, response written). The origin is an
/// in-process handler that answers at once with a 1 KB body, so sockets and HTTP parsing are left out
/// (the load script measures those); the handler's own response objects are part of Allocated. With
/// <see cref="AsyncOrigin"/> the origin answers after a yield, as a socket's does: the miss then suspends, and the
/// frames that a real miss keeps on the heap while it waits (every async method on the way) are part of Allocated too.
/// </summary>
[MemoryDiagnoser]
public class ProxyMissPathBenchmarks : IDisposable
{
    private const string Origin = "http://127.0.0.1:9";
    private static readonly byte[] Body = BenchData.Body(1024);

    private ICacheStore _store = null!;
    private string? _directory;
    private CachingProxy _proxy = null!;
    private long _n;

    /// <summary>The store behind the proxy: memory, or the embedded default (memory over disk).</summary>
    [Params("memory", "tiered")]
    public string Store { get; set; } = "memory";

    /// <summary>The origin answers after a yield (the miss suspends while it waits), not at once.</summary>
    [Params(false, true)]
    public bool AsyncOrigin { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var memory = new MemoryStore(new MemoryStoreOptions { SizeLimit = 64L * 1024 * 1024 });
        if (Store == "tiered")
        {
            _directory = BenchData.TempDirectory("miss");
            _store = new TieredStore(memory, DiskStore.Open(new DiskStoreOptions { DataDirectory = _directory, SizeLimit = 1L << 30 }));
        }
        else
        {
            _store = memory;
        }

        _proxy = new CachingProxy(
            new CachingProxyOptions { Origin = new Uri(Origin) }, _store, TimeProvider.System,
            NullLogger.Instance, tracker: null, new CannedOrigin(AsyncOrigin));
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

    /// <summary>A request for a key not in the cache, answered by the origin and stored.</summary>
    [Benchmark]
    public Task Miss()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("bench.example");
        context.Request.Path = "/1k.bin";
        context.Request.QueryString = new QueryString("?u=" + Interlocked.Increment(ref _n));
        context.Response.Body = Stream.Null;
        return _proxy.InvokeAsync(context);
    }

    public void Dispose()
    {
        _proxy?.Dispose();
        GC.SuppressFinalize(this);
    }

    private sealed class CannedOrigin(bool yields) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            => yields ? AfterYieldAsync(request) : Task.FromResult(Respond(request));

        private static async Task<HttpResponseMessage> AfterYieldAsync(HttpRequestMessage request)
        {
            await Task.Yield();
            return Respond(request);
        }

        private static HttpResponseMessage Respond(HttpRequestMessage request)
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Body), RequestMessage = request };
            response.Headers.TryAddWithoutValidation("Date", "Fri, 27 Nov 2026 12:00:00 GMT");
            response.Headers.TryAddWithoutValidation("Cache-Control", "public, max-age=3600");
            response.Headers.TryAddWithoutValidation("ETag", "\"5f1e-400\"");
            response.Headers.TryAddWithoutValidation("Accept-Ranges", "bytes");
            response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            response.Content.Headers.ContentLength = Body.Length;
            response.Content.Headers.TryAddWithoutValidation("Last-Modified", "Thu, 26 Nov 2026 10:00:00 GMT");
            return response;
        }
    }
}
