using Microsoft.AspNetCore.Http;

namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>RFC 9111 section 4.2 (freshness, Age) and RFC 9213 (targeted cache-control fields).</summary>
public sealed class FreshnessTests
{
    [Fact]
    public async Task Rfc9111_4_2_1_s_maxage_takes_precedence_over_max_age_for_a_shared_cache()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/s", "s", ("Cache-Control", "max-age=1, s-maxage=100"));

        await h.GetAsync("/s");
        await h.AdvanceAsync(TimeSpan.FromSeconds(50));
        var second = await h.GetAsync("/s");

        Assert.Equal(1, h.Origin.Hits("/s"));
        Assert.Contains("hit", second.CacheStatus());
    }

    [Fact]
    public async Task Rfc9111_4_2_1_Expires_gives_freshness_relative_to_Date()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Route("/e", async (ctx, _) =>
        {
            ctx.Response.Headers.Date = h.HttpDateAt();
            ctx.Response.Headers.Expires = h.HttpDateAt(TimeSpan.FromSeconds(30));
            await ctx.Response.WriteAsync("e");
        });

        await h.GetAsync("/e");
        await h.AdvanceAsync(TimeSpan.FromSeconds(20));
        var fresh = await h.GetAsync("/e");
        await h.AdvanceAsync(TimeSpan.FromSeconds(20));
        await h.GetAsync("/e");

        Assert.Contains("hit", fresh.CacheStatus());
        Assert.Equal(2, h.Origin.Hits("/e"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("not a date")]
    public async Task Rfc9111_4_2_1_Invalid_Expires_means_already_stale(string expires)
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/x", "x", ("Expires", expires));

        await h.GetAsync("/x");
        await h.GetAsync("/x");

        Assert.Equal(2, h.Origin.Hits("/x"));
    }

    [Fact]
    public async Task Rfc9111_4_2_1_Conflicting_duplicate_max_age_makes_the_response_stale()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/dup", "d", ("Cache-Control", "max-age=60"), ("Cache-Control", "max-age=3600"));

        await h.GetAsync("/dup");
        await h.GetAsync("/dup");

        Assert.Equal(2, h.Origin.Hits("/dup"));
    }

    [Fact]
    public async Task Rfc9111_4_2_2_Heuristic_freshness_is_a_tenth_of_the_time_since_Last_Modified()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Route("/h", async (ctx, _) =>
        {
            ctx.Response.Headers.Date = h.HttpDateAt();
            ctx.Response.Headers.LastModified = h.HttpDateAt(TimeSpan.FromSeconds(-1000));
            await ctx.Response.WriteAsync("h");
        });

        await h.GetAsync("/h");
        await h.AdvanceAsync(TimeSpan.FromSeconds(90));
        var fresh = await h.GetAsync("/h");
        await h.AdvanceAsync(TimeSpan.FromSeconds(20));
        var stale = await h.GetAsync("/h");

        Assert.Contains("hit", fresh.CacheStatus());
        Assert.DoesNotContain("; hit", stale.CacheStatus());
    }

    [Fact]
    public async Task Rfc9111_4_2_3_Age_counts_the_upstream_Age_and_the_resident_time()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/aged", "a", ("Cache-Control", "max-age=60"), ("Age", "30"));

        var first = await h.GetAsync("/aged");
        await h.AdvanceAsync(TimeSpan.FromSeconds(10));
        var second = await h.GetAsync("/aged");
        await h.AdvanceAsync(TimeSpan.FromSeconds(25));
        await h.GetAsync("/aged");

        Assert.Equal("30", first.Header("Age"));
        Assert.Equal("40", second.Header("Age"));
        Assert.Contains("ttl=20", second.CacheStatus());
        Assert.Equal(2, h.Origin.Hits("/aged"));
    }

    [Fact]
    public async Task Rfc9111_4_2_3_Age_older_than_max_age_is_stale_on_arrival()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/old", "o", ("Cache-Control", "max-age=60"), ("Age", "120"));

        await h.GetAsync("/old");
        await h.GetAsync("/old");

        Assert.Equal(2, h.Origin.Hits("/old"));
    }

    [Fact]
    public async Task Rfc9213_CDN_Cache_Control_overrides_Cache_Control_for_this_cache()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/cdn", "c", ("Cache-Control", "no-store"), ("CDN-Cache-Control", "max-age=60"));

        await h.GetAsync("/cdn");
        var second = await h.GetAsync("/cdn");

        Assert.Equal(1, h.Origin.Hits("/cdn"));
        Assert.Equal("HIT", second.CfStatus());
        Assert.Equal("no-store", second.Header("Cache-Control"));
    }

    [Fact]
    public async Task Rfc9213_CDN_Cache_Control_no_store_prevents_storing_despite_Cache_Control()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/cdn2", "c", ("Cache-Control", "max-age=60"), ("CDN-Cache-Control", "no-store"));

        await h.GetAsync("/cdn2");
        await h.GetAsync("/cdn2");

        Assert.Equal(2, h.Origin.Hits("/cdn2"));
    }

    [Fact]
    public async Task Surrogate_Control_overrides_Cache_Control_and_is_removed_before_the_response_leaves()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/sc", "s", ("Cache-Control", "private"), ("Surrogate-Control", "max-age=60"));

        await h.GetAsync("/sc");
        var second = await h.GetAsync("/sc");

        Assert.Equal(1, h.Origin.Hits("/sc"));
        Assert.Null(second.Header("Surrogate-Control"));
    }
}
