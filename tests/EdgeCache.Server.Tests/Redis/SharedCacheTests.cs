using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using EdgeCache.Redis.Tests;
using EdgeCache.Testing;
using StackExchange.Redis;

namespace EdgeCache.Server.Tests.Redis;

/// <summary>Two edgecache processes sharing one Redis (the in-process Garnet server).</summary>
public sealed class SharedCacheTests
{
    [Fact]
    public async Task Entry_cached_through_node_A_is_a_hit_on_node_B_and_a_purge_through_A_makes_B_miss()
    {
        using var garnet = GarnetHost.Start();
        await using var origin = await TestOrigin.StartAsync();
        var adminPort = ServerProcess.FreePort();
        await using var a = await ServerProcess.StartAsync(
            ["--origin", origin.BaseUri.ToString(), "--redis", garnet.Configuration,
             "--admin-listen", $"http://127.0.0.1:{adminPort}", "--admin-token", "t0ken"]);
        await using var b = await ServerProcess.StartAsync(["--origin", origin.BaseUri.ToString(), "--redis", garnet.Configuration]);
        using var clientA = new HttpClient { BaseAddress = a.BaseUri };
        using var clientB = new HttpClient { BaseAddress = b.BaseUri };
        await using var redis = await ConnectionMultiplexer.ConnectAsync(garnet.Configuration);

        // Both nodes go through a cold first request (JIT, connections) on another path first.
        (await clientA.GetAsync("/warm-a")).EnsureSuccessStatusCode();
        (await clientB.GetAsync("/warm-b")).EnsureSuccessStatusCode();
        await WaitUntilAsync(async () => await CountEntriesAsync(redis, garnet) == 2);

        using (var first = await clientA.GetAsync("/shared"))
        {
            first.EnsureSuccessStatusCode();
        }

        await WaitUntilAsync(async () => await CountEntriesAsync(redis, garnet) == 3);
        using (var onB = await clientB.GetAsync("/shared"))
        {
            Assert.Equal("HIT", onB.Headers.GetValues("cf-cache-status").Single());
        }

        Assert.Equal(1, origin.Hits("/shared"));

        using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{adminPort}") };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "t0ken");
        using var purge = new StringContent($$"""{"files": ["{{origin.Url("/shared")}}"]}""", Encoding.UTF8, "application/json");
        (await admin.PostAsync("/purge_cache", purge)).EnsureSuccessStatusCode();

        // B held a local copy since its hit: the backplane drops it. Wait (bounded) for B's first answer
        // that is not a hit; it is the one that goes to the origin again.
        await WaitUntilAsync(async () =>
        {
            using var afterPurge = await clientB.GetAsync("/shared");
            afterPurge.EnsureSuccessStatusCode();
            return !(afterPurge.Headers.TryGetValues("cf-cache-status", out var status) && status.Single() == "HIT");
        });

        Assert.Equal(2, origin.Hits("/shared"));
    }

    [Fact]
    public async Task Concurrent_misses_for_one_key_on_two_nodes_make_about_one_origin_request()
    {
        using var garnet = GarnetHost.Start();
        await using var origin = await TestOrigin.StartAsync();
        origin.Route("/cold", async (ctx, hit) =>
        {
            await Task.Delay(800);
            ctx.Response.Headers.CacheControl = "public, max-age=60";
            await Microsoft.AspNetCore.Http.HttpResponseWritingExtensions.WriteAsync(ctx.Response, $"cold v{hit}");
        });
        // The lock fails open when a Redis operation misses its deadline (100 ms by default), which a loaded
        // machine can make happen; this test is about collapsing, so its deadline is generous.
        var environment = new Dictionary<string, string> { ["EdgeCache__RedisTimeoutMs"] = "3000" };
        await using var a = await ServerProcess.StartAsync(["--origin", origin.BaseUri.ToString(), "--redis", garnet.Configuration, "--store", "memory"], environment: environment);
        await using var b = await ServerProcess.StartAsync(["--origin", origin.BaseUri.ToString(), "--redis", garnet.Configuration, "--store", "memory"], environment: environment);
        using var clientA = new HttpClient { BaseAddress = a.BaseUri, Timeout = TimeSpan.FromSeconds(30) };
        using var clientB = new HttpClient { BaseAddress = b.BaseUri, Timeout = TimeSpan.FromSeconds(30) };
        (await clientA.GetAsync("/warm-a")).EnsureSuccessStatusCode();
        (await clientB.GetAsync("/warm-b")).EnsureSuccessStatusCode();

        var requests = Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? clientA : clientB).GetStringAsync("/cold"));
        var bodies = await Task.WhenAll(requests);

        Assert.All(bodies, body => Assert.Equal("cold v1", body));
        Assert.Equal(1, origin.Hits("/cold"));
    }

    [Fact]
    public async Task Requests_keep_succeeding_while_redis_is_stopped_and_the_node_uses_redis_again_after_it_returns()
    {
        using var garnet = GarnetHost.Start();
        await using var origin = await TestOrigin.StartAsync();
        await using var node = await ServerProcess.StartAsync(["--origin", origin.BaseUri.ToString(), "--redis", garnet.Configuration]);
        using var client = new HttpClient { BaseAddress = node.BaseUri, Timeout = TimeSpan.FromSeconds(10) };

        // Every request must succeed while Redis is down. How quickly is not asserted here (a timing bound
        // decided this test under load): the breaker that keeps requests off the dead server is pinned with a
        // fake clock in EdgeCache.Redis.Tests (CircuitBreakerTests, OutageTests); the client's 10 s timeout
        // fails any request that waits on the dead server for longer than that.
        async Task LoadAsync(string phase, int count)
        {
            for (var i = 0; i < count; i++)
            {
                using var response = await client.GetAsync($"/{phase}/{i % 10}");
                Assert.True(response.IsSuccessStatusCode, $"{phase} request {i}: {(int)response.StatusCode}");
            }
        }

        await LoadAsync("before", 20);
        garnet.Stop();
        await LoadAsync("during", 100);

        garnet.Resume();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(garnet.Configuration);
        var round = 0;
        await WaitUntilAsync(
            async () =>
            {
                using var response = await client.GetAsync($"/after/{round++}");
                Assert.True(response.IsSuccessStatusCode);
                return await CountEntriesAsync(redis, garnet) > 0;
            },
            TimeSpan.FromSeconds(40));
    }

    private static async Task<int> CountEntriesAsync(ConnectionMultiplexer redis, GarnetHost garnet)
    {
        var count = 0;
        await foreach (var _ in redis.GetServer(garnet.Configuration).KeysAsync(pattern: "ec:e:*"))
        {
            count++;
        }

        return count;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan? limit = null)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(stopwatch.Elapsed < (limit ?? TimeSpan.FromSeconds(10)), "condition not met in time");
            await Task.Delay(50);
        }
    }
}
