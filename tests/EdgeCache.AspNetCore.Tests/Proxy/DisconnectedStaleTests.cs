using System.Net;
using EdgeCache.Testing;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>
/// RFC 9111 section 4.2.4: a cache disconnected from the origin may serve a stale response unless a directive
/// forbids it. Here: refused, reset, closed before a response, timed out; within <c>StaleIfOriginUnreachable</c>.
/// </summary>
public sealed class DisconnectedStaleTests
{
    private const string Stored = "HTTP/1.1 200 OK\r\nCache-Control: max-age=10\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nkept";

    [Fact]
    public async Task Rfc9111_4_2_4_A_stale_response_is_served_when_the_origin_refuses_the_connection()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/refused", "kept", ("Cache-Control", "max-age=10"));

        await h.GetAsync("/refused");
        await h.DrainAsync();
        await h.Origin.StopAsync();
        h.Advance(TimeSpan.FromSeconds(40));
        var (stale, body) = await h.GetTextAsync("/refused");

        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal("kept", body);
        Assert.Equal("STALE", stale.CfStatus());
        Assert.Equal("EdgeCache; fwd=stale; ttl=-30; detail=stale-origin-unreachable", stale.CacheStatus());
        Assert.Equal("40", stale.Header("Age"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Rfc9111_4_2_4_A_stale_response_is_served_when_the_origin_resets_or_closes_before_a_response(bool reset)
    {
        await using var origin = RawSocketOrigin.Start();
        origin.Answer("/drop", Stored);
        await using var h = await ProxyHarness.StartAsync(("Origin", origin.BaseUri.ToString()));

        var first = await h.GetTextAsync("/drop");

        // Stored before the clock moves: until its commit ends, the fill answers the next request itself (a HIT
        // while fresh, a fetch without the stale copy once not), which is not what this test is about.
        await h.DrainAsync();
        origin.Drop("/drop", reset);
        h.Advance(TimeSpan.FromSeconds(20));
        var (stale, body) = await h.GetTextAsync("/drop");

        Assert.Equal("kept", first.Body);
        // The origin did get the request (SocketsHttpHandler retries a GET on a fresh connection that ends
        // before a response: up to 3 more times, measured here).
        Assert.InRange(origin.For("/drop").Count, 2, 5);
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal("kept", body);
        Assert.Equal("STALE", stale.CfStatus());
        Assert.Contains("detail=stale-origin-unreachable", stale.CacheStatus());
    }

    [Fact]
    public async Task Rfc9111_4_2_4_A_stale_response_is_served_when_the_origin_times_out()
    {
        // Long enough that the first fetch (cold JIT, a busy machine) never times out; the second always does.
        await using var h = await ProxyHarness.StartAsync(("OriginTimeout", "00:00:02"));
        var release = new TaskCompletionSource();
        h.Origin.Route("/slow", async (ctx, hit) =>
        {
            if (hit > 1)
            {
                await release.Task.WaitAsync(TimeSpan.FromSeconds(10));
            }

            ctx.Response.Headers.CacheControl = "max-age=10";
            await ctx.Response.WriteAsync("v" + hit);
        });

        await h.GetAsync("/slow");
        await h.DrainAsync();
        h.Advance(TimeSpan.FromSeconds(20));
        var (stale, body) = await h.GetTextAsync("/slow");
        release.SetResult();

        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal("v1", body);
        Assert.Contains("detail=stale-origin-timeout", stale.CacheStatus());
    }

    [Theory]
    [InlineData("max-age=10, must-revalidate")]
    [InlineData("max-age=10, proxy-revalidate")]
    [InlineData("s-maxage=10")]
    [InlineData("max-age=10, no-cache")]
    public async Task Rfc9111_4_2_4_Directives_that_forbid_stale_responses_are_obeyed_when_the_origin_is_unreachable(string cacheControl)
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/forbidden", "kept", ("Cache-Control", cacheControl), ("ETag", "\"e\""));

        await h.GetAsync("/forbidden");
        await h.DrainAsync();
        await h.Origin.StopAsync();
        h.Advance(TimeSpan.FromSeconds(20));
        var (response, body) = await h.GetTextAsync("/forbidden");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.StartsWith("502 Bad Gateway", body);
        Assert.Contains("detail=origin-unreachable", response.CacheStatus());
    }

    [Fact]
    public async Task Rfc9111_4_2_4_A_request_that_insists_on_validation_is_not_given_a_stale_response()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/insist", "kept", ("Cache-Control", "max-age=10"));

        await h.GetAsync("/insist");
        await h.DrainAsync();
        await h.Origin.StopAsync();
        h.Advance(TimeSpan.FromSeconds(20));
        var noCache = await h.GetAsync("/insist", ("Cache-Control", "no-cache"));
        var maxAge = await h.GetAsync("/insist", ("Cache-Control", "max-age=5"));
        var plain = await h.GetAsync("/insist");

        Assert.Equal(HttpStatusCode.BadGateway, noCache.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, maxAge.StatusCode);
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
    }

    [Fact]
    public async Task Rfc9111_4_2_4_Staleness_beyond_the_configured_bound_gets_502_and_zero_turns_it_off()
    {
        await using var bounded = await ProxyHarness.StartAsync(("StaleIfOriginUnreachable", "00:01:00"));
        await using var off = await ProxyHarness.StartAsync(("StaleIfOriginUnreachable", "00:00:00"));
        foreach (var h in new[] { bounded, off })
        {
            h.Origin.Fixed("/bound", "kept", ("Cache-Control", "max-age=10"));
            await h.GetAsync("/bound");
            await h.DrainAsync();
            await h.Origin.StopAsync();
        }

        bounded.Advance(TimeSpan.FromSeconds(60));
        var within = await bounded.GetAsync("/bound");
        bounded.Advance(TimeSpan.FromSeconds(20));
        var beyond = await bounded.GetAsync("/bound");
        off.Advance(TimeSpan.FromSeconds(11));
        var disabled = await off.GetAsync("/bound");

        Assert.Equal(HttpStatusCode.OK, within.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, beyond.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, disabled.StatusCode);
    }

    [Fact]
    public async Task Rfc9111_4_2_4_An_origin_that_answers_5xx_is_not_unreachable_and_its_answer_is_forwarded()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Route("/answers", async (ctx, hit) =>
        {
            if (hit > 1)
            {
                ctx.Response.StatusCode = 503;
                await ctx.Response.WriteAsync("down for maintenance");
                return;
            }

            ctx.Response.Headers.CacheControl = "max-age=10";
            await ctx.Response.WriteAsync("good");
        });

        await h.GetAsync("/answers");
        await h.DrainAsync();
        h.Advance(TimeSpan.FromSeconds(20));
        var (response, body) = await h.GetTextAsync("/answers");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("down for maintenance", body);
    }

    [Fact]
    public async Task Rfc9111_4_2_4_Collapsed_requests_all_get_the_stale_response_when_the_origin_is_down()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/many", "kept", ("Cache-Control", "max-age=10"));

        await h.GetAsync("/many");
        await h.DrainAsync();
        await h.Origin.StopAsync();
        h.Advance(TimeSpan.FromSeconds(20));
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => h.GetTextAsync("/many")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.Response.StatusCode));
        Assert.All(responses, r => Assert.Equal("kept", r.Body));
    }
}
