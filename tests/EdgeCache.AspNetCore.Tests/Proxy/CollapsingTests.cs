using System.Net;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>Request collapsing: concurrent misses for one key share one origin request.</summary>
public sealed class CollapsingTests
{
    [Fact]
    public async Task Collapsing_1000_concurrent_requests_for_a_cold_key_make_one_origin_request_and_all_get_the_full_body()
    {
        await using var h = await ProxyHarness.StartAsync();
        var body = new string('z', 50_000) + "end";
        h.Origin.Route("/hot", async (ctx, _) =>
        {
            await Task.Delay(300);
            ctx.Response.Headers.CacheControl = "max-age=60";
            await ctx.Response.WriteAsync(body);
        });

        var requests = Enumerable.Range(0, 1000).Select(_ => h.Client.GetStringAsync("/hot")).ToArray();
        var bodies = await Task.WhenAll(requests).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, h.Origin.Hits("/hot"));
        Assert.All(bodies, b => Assert.Equal(body, b));
    }

    [Fact]
    public async Task Concurrent_misses_for_many_keys_each_get_their_own_body_while_buffers_are_recycled()
    {
        await using var h = await ProxyHarness.StartAsync();
        for (var i = 0; i < 200; i++)
        {
            var body = string.Concat(Enumerable.Repeat($"key {i:D3};", 100));
            h.Origin.Route($"/k{i}", async (ctx, _) =>
            {
                await Task.Yield();
                ctx.Response.Headers.CacheControl = "max-age=60";
                ctx.Response.ContentLength = body.Length;
                await ctx.Response.WriteAsync(body);
            });
        }

        // Three requests per key at once (a leader and whoever collapses onto it), in rounds, so that pooled segments
        // of earlier fills are reused by later ones while some of their readers may still be sending.
        for (var round = 0; round < 4; round++)
        {
            var keys = Enumerable.Range(round * 50, 50).ToArray();
            var requests = keys.SelectMany(i => Enumerable.Range(0, 3).Select(async _ => (i, await h.Client.GetStringAsync($"/k{i}")))).ToArray();
            var answers = await Task.WhenAll(requests).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.All(answers, a => Assert.Equal(string.Concat(Enumerable.Repeat($"key {a.i:D3};", 100)), a.Item2));
        }

        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(string.Concat(Enumerable.Repeat($"key {i:D3};", 100)), await h.Client.GetStringAsync($"/k{i}"));
        }
    }

    [Fact]
    public async Task Collapsing_waiters_receive_the_body_while_it_streams_in()
    {
        await using var h = await ProxyHarness.StartAsync();
        var release = new TaskCompletionSource();
        h.Origin.HeldHalfway("/stream", "first half", "second hlf", release.Task);

        using var leader = await h.Client.GetAsync("/stream", HttpCompletionOption.ResponseHeadersRead);
        using var follower = await h.Client.GetAsync("/stream", HttpCompletionOption.ResponseHeadersRead);
        var stream = await follower.Content.ReadAsStreamAsync();
        var first = new byte[10];
        await stream.ReadExactlyAsync(first).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        var originStillBlocked = !release.Task.IsCompleted;
        release.SetResult();
        var rest = await new StreamReader(stream).ReadToEndAsync();

        Assert.True(originStillBlocked);
        Assert.Equal("first half", System.Text.Encoding.ASCII.GetString(first));
        Assert.Equal("second hlf", rest);
        Assert.Contains("collapsed", follower.CacheStatus());
        Assert.Equal("first halfsecond hlf", await leader.Content.ReadAsStringAsync());
        Assert.Equal(1, h.Origin.Hits("/stream"));
    }

    [Fact]
    public async Task Collapsing_an_uncacheable_answer_is_remembered_so_requests_pass_without_queueing()
    {
        await using var h = await ProxyHarness.StartAsync();
        var concurrent = 0;
        var maxConcurrent = 0;
        var bothArrived = new TaskCompletionSource();
        h.Origin.Route("/private", async (ctx, hit) =>
        {
            var now = Interlocked.Increment(ref concurrent);
            InterlockedMax(ref maxConcurrent, now);
            if (now == 2)
            {
                bothArrived.TrySetResult();
            }

            if (hit > 1)
            {
                await bothArrived.Task.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
            }

            Interlocked.Decrement(ref concurrent);
            ctx.Response.Headers.CacheControl = "private";
            await ctx.Response.WriteAsync("mine " + hit);
        });

        var first = await h.GetAsync("/private");
        var (a, b) = (h.GetTextAsync("/private"), h.GetTextAsync("/private"));
        var results = await Task.WhenAll(a, b);

        Assert.Equal("BYPASS", first.CfStatus());
        Assert.Equal(2, maxConcurrent);
        Assert.All(results, r => Assert.Contains("hit-for-pass", r.Response.CacheStatus()));
        Assert.Equal(3, h.Origin.Hits("/private"));
    }

    [Fact]
    public async Task Collapsing_a_hit_for_pass_key_still_stores_a_response_that_became_cacheable()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Route("/flip", async (ctx, hit) =>
        {
            ctx.Response.Headers.CacheControl = hit == 1 ? "no-store" : "max-age=60";
            await ctx.Response.WriteAsync("flip " + hit);
        });

        await h.GetAsync("/flip");
        var passed = await h.GetAsync("/flip");
        var (hit, body) = await h.GetTextAsync("/flip");

        Assert.Contains("stored", passed.CacheStatus());
        Assert.Contains("hit", hit.CacheStatus());
        Assert.Equal("flip 2", body);
        Assert.Equal(2, h.Origin.Hits("/flip"));
    }

    [Fact]
    public async Task Collapsing_preconditions_on_an_uncacheable_answer_are_evaluated_by_the_proxy()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/etagged", "private body", ("Cache-Control", "private"), ("ETag", "\"p\""));

        var response = await h.GetAsync("/etagged", ("If-None-Match", "\"p\""));

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Equal("\"p\"", response.Header("ETag"));
    }

    [Fact]
    public async Task Collapsing_a_cancelled_leader_hands_the_fetch_over_to_the_waiters()
    {
        await using var h = await ProxyHarness.StartAsync();
        var release = new TaskCompletionSource();
        h.Origin.Route("/handover", async (ctx, _) =>
        {
            await release.Task.WaitAsync(TimeSpan.FromSeconds(10));
            ctx.Response.Headers.CacheControl = "max-age=60";
            await ctx.Response.WriteAsync("for the waiter");
        });

        using var cancel = new CancellationTokenSource();
        var leader = h.Client.GetAsync("/handover", cancel.Token);
        await ProxyHarness.EventuallyAsync(() => h.Origin.Hits("/handover") == 1);
        var follower = h.GetTextAsync("/handover");
        await Task.Delay(100);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leader);
        release.SetResult();
        var (response, body) = await follower.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("for the waiter", body);
        Assert.Equal(1, h.Origin.Hits("/handover"));
    }

    [Fact]
    public async Task Collapsing_a_waiter_that_times_out_goes_to_the_origin_itself()
    {
        await using var h = await ProxyHarness.StartAsync();
        var release = new TaskCompletionSource();
        h.Origin.Route("/stuck", async (ctx, hit) =>
        {
            if (hit == 1)
            {
                await release.Task.WaitAsync(TimeSpan.FromSeconds(20));
            }

            ctx.Response.Headers.CacheControl = "max-age=60";
            await ctx.Response.WriteAsync("answer " + hit);
        });

        var leader = h.GetTextAsync("/stuck");
        await ProxyHarness.EventuallyAsync(() => h.Origin.Hits("/stuck") == 1);
        var waiter = h.GetTextAsync("/stuck");
        for (var i = 0; i < 200 && !waiter.IsCompleted; i++)
        {
            h.Advance(TimeSpan.FromSeconds(20));
            await Task.Delay(25);
        }

        var (response, body) = await waiter.WaitAsync(TimeSpan.FromSeconds(5));
        release.SetResult();
        await leader;

        Assert.Equal("answer 2", body);
        Assert.Contains("collapse-timeout", response.CacheStatus());
    }

    [Fact]
    public async Task Collapsing_can_be_switched_off()
    {
        await using var h = await ProxyHarness.StartAsync(("CollapseRequests", "false"));
        var bothArrived = new TaskCompletionSource();
        h.Origin.Route("/solo", async (ctx, hit) =>
        {
            if (hit == 2)
            {
                bothArrived.TrySetResult();
            }

            await bothArrived.Task.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
            ctx.Response.Headers.CacheControl = "max-age=60";
            await ctx.Response.WriteAsync("solo");
        });

        await Task.WhenAll(h.GetAsync("/solo"), h.GetAsync("/solo"));

        Assert.Equal(2, h.Origin.Hits("/solo"));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
