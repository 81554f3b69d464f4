using System.Collections.Concurrent;
using EdgeCache.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.Server.Tests;

/// <summary>
/// Three overlapping misses of one URL through <c>--handler example</c>: each fetches the origin and
/// puts in <c>waitUntil</c>. On Cloudflare <c>cache.put</c> replaces, so the put that completes last is
/// what is cached afterwards, whatever order the requests started in.
/// </summary>
public sealed class ExampleHandlerOverlappingMissTests : IAsyncDisposable
{
    private const int Overlapping = 3;
    private readonly TaskCompletionSource[] _gates = Enumerable.Range(0, Overlapping).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
    private readonly BlockingCollection<int> _arrivals = [];
    private int _served;
    private TestOrigin _origin = null!;
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "edgecache-tests", Guid.NewGuid().ToString("N"));
    private InProcessServer _server = null!;

    /// <summary>The C# example and the JavaScript one, each over the memory store and the embedded default.</summary>
    public static TheoryData<string, string> FrontDoorsAndStores => new()
    {
        { "handler", "memory" },
        { "handler", "tiered" },
        { "worker", "memory" },
        { "worker", "tiered" },
    };

    private async Task StartAsync(string frontDoor, string store)
    {
        _origin = await TestOrigin.StartAsync();
        _origin.Route("/overlap", async (context, _) =>
        {
            // The n-th request to arrive answers "vn"; the first three hold their body's end until released.
            var n = Interlocked.Increment(ref _served);
            context.Response.Headers.CacheControl = "public, max-age=60";
            await context.Response.WriteAsync($"v{n}:");
            await context.Response.Body.FlushAsync();
            if (n <= Overlapping)
            {
                _arrivals.Add(n);
                await _gates[n - 1].Task;
            }

            await context.Response.WriteAsync("end");
        });
        _server = await InProcessServer.StartAsync(new Dictionary<string, string?>
        {
            ["Origin"] = _origin.BaseUri.ToString(),
            [frontDoor == "handler" ? "Handler" : "Worker"] = frontDoor == "handler" ? "example" : Path.Combine(RepositoryPaths.Shared, "reference", "cache-api-example.js"),
            ["EdgeCache:Store"] = store,
            ["DataDir"] = _dataDir,
            ["AdminListen"] = "none",
        });
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var gate in _gates)
        {
            gate.TrySetResult();
        }

        await _server.DisposeAsync();
        await _origin.DisposeAsync();
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(FrontDoorsAndStores))]
    public async Task The_put_that_completes_last_is_the_one_cached(string frontDoor, string store)
    {
        await StartAsync(frontDoor, store);
        var clients = Enumerable.Range(0, Overlapping)
            .Select(_ => _server.Client.GetStringAsync(new Uri("/overlap", UriKind.Relative)))
            .ToArray();
        for (var i = 0; i < Overlapping; i++)
        {
            Assert.True(_arrivals.TryTake(out _, TimeSpan.FromSeconds(10)), "each miss reaches the origin on its own");
        }

        // Bodies end in the order v2, v3, v1: each put completes before the next body is released.
        foreach (var n in new[] { 2, 3, 1 })
        {
            _gates[n - 1].SetResult();
            await CachedBodyBecomesAsync($"v{n}:end");
        }

        var bodies = await Task.WhenAll(clients);
        Assert.Equal(["v1:end", "v2:end", "v3:end"], bodies.Order());
        await _server.DrainAsync();
        Assert.Equal("v1:end", await CachedBodyAsync());
        Assert.Equal(Overlapping, _origin.Hits("/overlap"));
    }

    private async Task<string?> CachedBodyAsync()
    {
        // The example's key is the request's URL, which in a worker is the origin's URL.
        var caches = _server.App.Services.GetRequiredService<CacheStorage>();
        using var match = await caches.Default.MatchAsync(_origin.Url("/overlap").AbsoluteUri);
        return match is null ? null : await match.Content.ReadAsStringAsync();
    }

    /// <summary>Waits (bounded) until the stored entry holds <paramref name="expected"/>: the observable end of that put.</summary>
    private async Task CachedBodyBecomesAsync(string expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        string? last;
        while ((last = await CachedBodyAsync()) != expected)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the cached body stayed '{last}' instead of '{expected}'");
            await Task.Delay(20);
        }
    }
}
