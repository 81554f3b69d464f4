using System.Net;
using EdgeCache.AspNetCore.Hosting;
using EdgeCache.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.AspNetCore.Tests;

public sealed class FetchOptionsTests
{
    private static async Task<WorkerHost> StartAsync(CacheFetchOptions cf)
    {
        var host = await WorkerHost.StartAsync(e => e.FetchAsync(e.Request, cf));
        host.Origin.Route("/nostore", async (ctx, hit) =>
        {
            ctx.Response.Headers.CacheControl = "no-store, max-age=0";
            await ctx.Response.WriteAsync($"nostore v{hit}");
        });
        host.Origin.Route("/private", async (ctx, hit) =>
        {
            ctx.Response.Headers.CacheControl = "private";
            await ctx.Response.WriteAsync($"private v{hit}");
        });
        host.Origin.Route("/missing", async (ctx, hit) =>
        {
            ctx.Response.StatusCode = 404;
            await ctx.Response.WriteAsync($"missing v{hit}");
        });
        return host;
    }

    private static async Task<(HttpStatusCode Status, string? CacheStatus, string Body)> GetAsync(WorkerHost host, string path)
    {
        using var response = await host.Client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        await host.App.Services.GetRequiredService<WaitUntilTracker>().DrainAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        return (response.StatusCode, response.Headers.TryGetValues("cf-cache-status", out var v) ? v.Single() : null, body);
    }

    [Fact]
    public async Task CacheTtl_never_stores_what_the_origin_marked_no_store()
    {
        await using var host = await StartAsync(new CacheFetchOptions { CacheTtl = TimeSpan.FromMinutes(5) });

        var first = await GetAsync(host, "/nostore");
        var second = await GetAsync(host, "/nostore");

        Assert.Equal("MISS", first.CacheStatus);
        Assert.Equal("MISS", second.CacheStatus);
        Assert.Equal("nostore v2", second.Body);
        Assert.Equal(2, host.Origin.Hits("/nostore"));
    }

    [Fact]
    public async Task CacheEverything_stores_by_the_origin_headers_and_still_respects_no_store()
    {
        await using var host = await StartAsync(new CacheFetchOptions { CacheEverything = true });
        host.Origin.Fixed("/page", "page", ("Cache-Control", "public, max-age=60"));

        Assert.Equal("MISS", (await GetAsync(host, "/page")).CacheStatus);
        Assert.Equal("HIT", (await GetAsync(host, "/page")).CacheStatus);
        Assert.Equal("MISS", (await GetAsync(host, "/nostore")).CacheStatus);
        Assert.Equal("nostore v2", (await GetAsync(host, "/nostore")).Body);
        Assert.Equal(1, host.Origin.Hits("/page"));
    }

    [Fact]
    public async Task CacheTtl_zero_expires_at_once()
    {
        await using var host = await StartAsync(new CacheFetchOptions { CacheTtl = TimeSpan.Zero });

        await GetAsync(host, "/zero");
        var second = await GetAsync(host, "/zero");

        Assert.Equal("MISS", second.CacheStatus);
        Assert.Equal(2, host.Origin.Hits("/zero"));
    }

    [Fact]
    public async Task A_private_response_is_never_shared_even_with_an_edge_ttl()
    {
        await using var host = await StartAsync(new CacheFetchOptions { CacheTtl = TimeSpan.FromMinutes(5) });

        await GetAsync(host, "/private");
        var second = await GetAsync(host, "/private");

        Assert.Equal("private v2", second.Body);
    }

    [Fact]
    public async Task CacheTtlByStatus_caches_by_range_and_a_negative_value_means_do_not_cache()
    {
        var byStatus = new Dictionary<string, int> { ["200-299"] = 600, ["404"] = -1 };
        await using var host = await StartAsync(new CacheFetchOptions { CacheTtlByStatus = byStatus });

        await GetAsync(host, "/ok");
        var ok = await GetAsync(host, "/ok");
        await GetAsync(host, "/missing");
        var missing = await GetAsync(host, "/missing");

        Assert.Equal("HIT", ok.CacheStatus);
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal("MISS", missing.CacheStatus);
        Assert.Equal(2, host.Origin.Hits("/missing"));
    }

    [Fact]
    public async Task A_custom_cache_key_makes_different_urls_share_one_entry()
    {
        await using var host = await StartAsync(new CacheFetchOptions { CacheKey = "shared-key", CacheTtl = TimeSpan.FromMinutes(1) });

        var first = await GetAsync(host, "/one?utm=a");
        var second = await GetAsync(host, "/two?utm=b");

        Assert.Equal("HIT", second.CacheStatus);
        Assert.Equal(first.Body, second.Body);
        Assert.Equal(0, host.Origin.Hits("/two"));
    }

    [Fact]
    public async Task CacheTags_stay_with_the_stored_copy_and_a_purge_by_tag_removes_the_entry()
    {
        await using var host = await StartAsync(new CacheFetchOptions { CacheTtl = TimeSpan.FromMinutes(1), CacheTags = ["catalog", "item-7"] });

        using (var response = await host.Client.GetAsync("/tagged"))
        {
            Assert.False(response.Headers.Contains("Cache-Tag"));
        }

        await host.App.Services.GetRequiredService<WaitUntilTracker>().DrainAsync(CancellationToken.None);
        Assert.Equal("HIT", (await GetAsync(host, "/tagged")).CacheStatus);

        var purged = await host.App.Services.GetRequiredService<ICacheStore>().PurgeAsync(new PurgeRequest(PurgeKind.Tag, "item-7"));

        Assert.Equal(1, purged);
        Assert.Equal("MISS", (await GetAsync(host, "/tagged")).CacheStatus);
    }

    [Fact]
    public async Task A_range_request_on_a_miss_stores_the_whole_object_and_the_next_range_is_a_hit()
    {
        await using var host = await StartAsync(new CacheFetchOptions { CacheEverything = true });
        host.Origin.Fixed("/bytes", "0123456789", ("Cache-Control", "public, max-age=60"));

        using (var request = new HttpRequestMessage(HttpMethod.Get, "/bytes"))
        {
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(2, 4);
            using var miss = await host.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, miss.StatusCode);
        }

        await host.App.Services.GetRequiredService<WaitUntilTracker>().DrainAsync(CancellationToken.None);
        using var again = new HttpRequestMessage(HttpMethod.Get, "/bytes");
        again.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(2, 4);
        using var hit = await host.Client.SendAsync(again);

        Assert.Equal(HttpStatusCode.PartialContent, hit.StatusCode);
        Assert.Equal("234", await hit.Content.ReadAsStringAsync());
        Assert.Equal(1, host.Origin.Hits("/bytes"));
        Assert.DoesNotContain("Range", host.Origin.Requests.Single().Headers.Keys, StringComparer.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(200, 100)]
    [InlineData(204, 100)]
    [InlineData(201, 5)]
    [InlineData(304, 100)]
    [InlineData(404, -1)]
    [InlineData(503, null)]
    [InlineData(410, 30)]
    public void TtlFor_prefers_a_single_status_over_a_range_and_gives_304_the_200_ttl(int status, int? expectedSeconds)
    {
        var cf = new CacheFetchOptions
        {
            CacheTtl = TimeSpan.FromSeconds(30),
            CacheTtlByStatus = new Dictionary<string, int> { ["200-299"] = 100, ["201"] = 5, ["404"] = -1 },
        };

        var ttl = cf.TtlFor(status);

        Assert.Equal(expectedSeconds switch { null => null, < 0 => TimeSpan.MinValue, { } s => TimeSpan.FromSeconds(s) }, ttl);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("600")]
    [InlineData("299-200")]
    [InlineData("")]
    public void Invalid_status_keys_are_refused_naming_the_option(string key)
    {
        var cf = new CacheFetchOptions { CacheTtlByStatus = new Dictionary<string, int> { [key] = 1 } };
        var ex = Assert.Throws<ArgumentException>(cf.Validate);
        Assert.Contains("cacheTtlByStatus", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_negative_cache_ttl_is_refused()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new CacheFetchOptions { CacheTtl = TimeSpan.FromSeconds(-1) }.Validate());
}
