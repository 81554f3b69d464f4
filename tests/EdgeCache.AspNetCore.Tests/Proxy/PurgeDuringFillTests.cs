using EdgeCache.AspNetCore;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>A purge that lands while a fill is in flight: requests after the purge get what the origin has now, and the fill is not stored.</summary>
public sealed class PurgeDuringFillTests
{
    [Fact]
    public async Task Request_after_a_purge_does_not_join_a_fill_that_began_before_it_and_that_fill_is_not_stored()
    {
        await using var h = await ProxyHarness.StartAsync();
        var release = new TaskCompletionSource();
        h.Origin.Route("/news", async (ctx, hit) =>
        {
            ctx.Response.Headers.CacheControl = "max-age=60";
            ctx.Response.Headers["Cache-Tag"] = "news";
            ctx.Response.ContentLength = 3;
            if (hit == 1)
            {
                // The version the purge is about: its body is still coming in when the purge lands.
                await ctx.Response.WriteAsync("o");
                await ctx.Response.Body.FlushAsync();
                await release.Task.WaitAsync(TimeSpan.FromSeconds(10));
                await ctx.Response.WriteAsync("ld");
                return;
            }

            await ctx.Response.WriteAsync("new");
        });

        using var before = await h.Client.GetAsync("/news", HttpCompletionOption.ResponseHeadersRead);
        await h.Services.GetRequiredService<IEdgeCachePurger>().PurgeTagsAsync(["news"]);

        var (after, afterBody) = await h.GetTextAsync("/news");
        release.SetResult();
        var beforeBody = await before.Content.ReadAsStringAsync();
        var (again, againBody) = await h.GetTextAsync("/news");

        Assert.Equal("old", beforeBody); // it asked before the purge
        Assert.Equal("new", afterBody);
        Assert.DoesNotContain("collapsed", after.CacheStatus());
        Assert.Equal("new", againBody);
        Assert.Equal("HIT", again.CfStatus());
        Assert.Equal(2, h.Origin.Hits("/news"));
    }
}
