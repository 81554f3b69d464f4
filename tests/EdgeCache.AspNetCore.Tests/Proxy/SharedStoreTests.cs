using EdgeCache.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>CDN mode shares the default cache's store and key space.</summary>
public sealed class SharedStoreTests
{
    [Fact]
    public async Task Proxy_entries_are_found_by_the_Cache_API_under_the_origin_URL()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/shared", "from the proxy", ("Cache-Control", "max-age=60"));

        await h.GetAsync("/shared");
        using var match = await h.Services.GetRequiredService<CacheStorage>().Default.MatchAsync(h.Origin.Url("/shared").ToString());

        Assert.NotNull(match);
        Assert.Equal("from the proxy", await match.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_Vary_marker_is_never_returned_by_the_Cache_API_as_a_response()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/varied", "v", ("Cache-Control", "max-age=60"), ("Vary", "Accept-Language"));

        await h.GetAsync("/varied", ("Accept-Language", "en"));
        var match = await h.Services.GetRequiredService<CacheStorage>().Default.MatchAsync(h.Origin.Url("/varied").ToString());

        Assert.Null(match);
    }

    [Fact]
    public async Task A_soft_purge_makes_the_proxy_revalidate_and_reach_every_variant()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Route("/soft", async (ctx, hit) =>
        {
            ctx.Response.Headers.CacheControl = "max-age=600";
            ctx.Response.Headers.Vary = "Accept-Language";
            await ctx.Response.WriteAsync($"{ctx.Request.Headers.AcceptLanguage} {hit}");
        });

        await h.GetAsync("/soft", ("Accept-Language", "en"));
        var purged = await h.Services.GetRequiredService<ICacheStore>().PurgeAsync(new PurgeRequest(PurgeKind.Prefix, h.Origin.Url("/soft").ToString(), Soft: true));
        var (after, body) = await h.GetTextAsync("/soft", ("Accept-Language", "en"));

        Assert.True(purged >= 1);
        Assert.Equal("en 2", body);
        Assert.DoesNotContain("; hit", after.CacheStatus());
    }
}
