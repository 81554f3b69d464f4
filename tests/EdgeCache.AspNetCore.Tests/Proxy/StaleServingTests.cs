using System.Net;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>RFC 5861: stale-while-revalidate and stale-if-error.</summary>
public sealed class StaleServingTests
{
    [Fact]
    public async Task Rfc5861_3_stale_while_revalidate_serves_the_stale_copy_once_and_revalidates_once_in_the_background()
    {
        await using var h = await ProxyHarness.StartAsync();
        var release = new TaskCompletionSource();
        h.Origin.Route("/swr", async (ctx, hit) =>
        {
            if (hit == 2)
            {
                await release.Task.WaitAsync(TimeSpan.FromSeconds(10));
            }

            ctx.Response.Headers.CacheControl = "max-age=10, stale-while-revalidate=60";
            await ctx.Response.WriteAsync("v" + hit);
        });

        await h.GetAsync("/swr");
        await h.AdvanceAsync(TimeSpan.FromSeconds(15));
        var (stale1, body1) = await h.GetTextAsync("/swr");
        var (stale2, body2) = await h.GetTextAsync("/swr");
        release.SetResult();
        await ProxyHarness.EventuallyAsync(() => h.Origin.Hits("/swr") == 2);
        var (fresh, body3) = await ProxyHarness.EventuallyAsync(() => h.GetTextAsync("/swr"), r => r.Body == "v2");

        Assert.Equal("v1", body1);
        Assert.Equal("v1", body2);
        Assert.Equal("UPDATING", stale1.CfStatus());
        Assert.Contains("stale-while-revalidate", stale1.CacheStatus());
        Assert.Contains("stale-while-revalidate", stale2.CacheStatus());
        Assert.Equal("v2", body3);
        Assert.Equal("HIT", fresh.CfStatus());
        Assert.Equal(2, h.Origin.Hits("/swr"));
    }

    [Fact]
    public async Task Rfc5861_4_stale_if_error_serves_the_stale_copy_when_the_origin_is_stopped()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/sie", "kept", ("Cache-Control", "max-age=10, stale-if-error=60"));

        await h.GetAsync("/sie");
        await h.Origin.StopAsync();
        await h.AdvanceAsync(TimeSpan.FromSeconds(30));
        var (stale, body) = await h.GetTextAsync("/sie");

        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal("kept", body);
        Assert.Contains("stale-if-error", stale.CacheStatus());
        Assert.Equal("STALE", stale.CfStatus());
        Assert.Equal("30", stale.Header("Age"));
    }

    [Fact]
    public async Task Rfc5861_4_Outside_the_stale_if_error_window_the_client_gets_502_not_a_hang()
    {
        // Without the disconnected-origin allowance (DisconnectedStaleTests), which would otherwise stand in.
        await using var h = await ProxyHarness.StartAsync(("StaleIfOriginUnreachable", "00:00:00"));
        h.Origin.Fixed("/sie2", "kept", ("Cache-Control", "max-age=10, stale-if-error=60"));

        await h.GetAsync("/sie2");
        await h.Origin.StopAsync();
        await h.AdvanceAsync(TimeSpan.FromSeconds(100));
        var (response, body) = await h.GetTextAsync("/sie2");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.StartsWith("502 Bad Gateway", body);
        Assert.True(body.Length < 200);
        Assert.DoesNotContain("   at ", body);
    }

    [Fact]
    public async Task Rfc5861_4_stale_if_error_serves_the_stale_copy_on_an_origin_503()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Route("/sie503", async (ctx, hit) =>
        {
            if (hit > 1)
            {
                ctx.Response.StatusCode = 503;
                await ctx.Response.WriteAsync("down");
                return;
            }

            ctx.Response.Headers.CacheControl = "max-age=10, stale-if-error=60";
            await ctx.Response.WriteAsync("good");
        });

        await h.GetAsync("/sie503");
        await h.AdvanceAsync(TimeSpan.FromSeconds(20));
        var (stale, body) = await h.GetTextAsync("/sie503");

        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal("good", body);
        Assert.Contains("fwd-status=503", stale.CacheStatus());
        Assert.Contains("stale-if-error", stale.CacheStatus());
    }

    [Fact]
    public async Task Rfc5861_4_Request_stale_if_error_lets_the_client_accept_a_stale_copy()
    {
        await using var h = await ProxyHarness.StartAsync(("StaleIfOriginUnreachable", "00:00:00"));
        h.Origin.Fixed("/rsie", "kept", ("Cache-Control", "max-age=10"));

        await h.GetAsync("/rsie");
        await h.Origin.StopAsync();
        await h.AdvanceAsync(TimeSpan.FromSeconds(30));
        var accepted = await h.GetAsync("/rsie", ("Cache-Control", "stale-if-error=60"));
        var refused = await h.GetAsync("/rsie");

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);
    }
}
