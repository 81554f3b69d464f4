using BenchmarkDotNet.Attributes;
using EdgeCache.AspNetCore;
using EdgeCache.AspNetCore.Hosting;
using EdgeCache.AspNetCore.Origin;
using EdgeCache.JavaScript;
using EdgeCache.JavaScript.Runtime;
using EdgeCache.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeCache.Benchmarks;

/// <summary>
/// One request through a JavaScript worker, in process and without sockets: from the FetchEvent to the
/// response body, for a trivial worker and for the reference example answering from the cache (a hit; the
/// entry is stored before the run). Time per request and allocation per request (docs/javascript-workers.md).
/// </summary>
[MemoryDiagnoser]
public class JavaScriptWorkerBenchmarks : IDisposable
{
    private static readonly Uri Origin = new("http://127.0.0.1:9");

    private readonly string _directory = Directory.CreateTempSubdirectory("edgecache-js-bench-").FullName;
    private CacheStorage _caches = null!;
    private OriginClient _originClient = null!;
    private WaitUntilTracker _tracker = null!;
    private WorkerRuntime _runtime = null!;

    /// <summary>The worker: <c>trivial</c> (one new Response), <c>example-hit</c> (the reference example on a cache hit) or a script's path.</summary>
    [Params("trivial", "example-hit")]
    public string Worker { get; set; } = "trivial";

    [GlobalSetup]
    public async Task Setup()
    {
        var options = Options.Create(new EdgeCacheOptions { Origin = Origin });
        _caches = new CacheStorage(new MemoryStore());
        _originClient = new OriginClient(options);
        _tracker = new WaitUntilTracker(NullLogger<WaitUntilTracker>.Instance, options);
        var script = Path.Combine(_directory, "worker.js");
        await File.WriteAllTextAsync(script, Worker switch
        {
            "trivial" => "addEventListener('fetch', e => e.respondWith(new Response('ok')));",
            "example-hit" => await File.ReadAllTextAsync(ReferenceExample()),

            // A script of one's own (js-cpu only), to measure what one construct costs.
            _ => await File.ReadAllTextAsync(Worker),
        });
        using var stored = new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new ByteArrayContent(new byte[1024]) };
        stored.Headers.TryAddWithoutValidation("Cache-Control", "public, max-age=3600, s-maxage=3600");
        await _caches.Default.PutAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(Origin, "/hit")), stored);
        _runtime = WorkerRuntime.Start(script, new JavaScriptWorkerOptions(), _caches, NullLoggerFactory.Instance, TimeProvider.System);
    }

    [Benchmark]
    public async Task<long> Request()
    {
        var context = new DefaultHttpContext();
        var completion = new CompletingResponseFeature();
        context.Features.Set<IHttpResponseFeature>(completion);
        context.Request.Method = "GET";
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("127.0.0.1:8787");
        context.Request.Path = "/hit";
        var fetchEvent = new FetchEvent(context, Origin, _caches, _originClient, _tracker, exposeCacheTags: false);
        long length;
        using (var response = await _runtime.HandleAsync(fetchEvent).ConfigureAwait(false))
        {
            var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                await body.CopyToAsync(Stream.Null).ConfigureAwait(false);
                length = response.Content.Headers.ContentLength ?? 0;
            }
        }

        await completion.CompleteAsync().ConfigureAwait(false);
        return length;
    }

    public void Dispose()
    {
        _runtime?.Dispose();
        _originClient?.Dispose();
        Directory.Delete(_directory, recursive: true);
        GC.SuppressFinalize(this);
    }

    private static string ReferenceExample()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "..", "shared", "reference", "cache-api-example.js");
            if (File.Exists(Path.Combine(directory.FullName, "EdgeCache.slnx")) && File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("shared/reference/cache-api-example.js was not found beside the repository.");
    }

    /// <summary>A response feature that runs its OnCompleted callbacks when told (Kestrel runs them after the response).</summary>
    private sealed class CompletingResponseFeature : HttpResponseFeature
    {
        private readonly List<(Func<object, Task> Callback, object State)> _completed = [];

        public override void OnCompleted(Func<object, Task> callback, object state) => _completed.Add((callback, state));

        public async Task CompleteAsync()
        {
            foreach (var (callback, state) in _completed)
            {
                await callback(state).ConfigureAwait(false);
            }
        }
    }
}
