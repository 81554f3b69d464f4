using System.Net;

namespace EdgeCache.Server.Tests.Proxy;

/// <summary>RFC 9213 section 3: CDN-Cache-Control goes on to downstream CDN caches; this cache's own policy does not.</summary>
public sealed class CdnCacheControlForwardingTests
{
    [Fact]
    public async Task Rfc9213_3_CDN_Cache_Control_is_forwarded_downstream_on_the_miss_the_hit_and_a_304()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/cdn", "c", ("Cache-Control", "no-store"), ("CDN-Cache-Control", "max-age=60"), ("ETag", "\"v1\""));

        var miss = await h.GetAsync("/cdn");
        var hit = await h.GetAsync("/cdn");
        var notModified = await h.GetAsync("/cdn", ("If-None-Match", "\"v1\""));

        Assert.Equal("max-age=60", miss.Header("CDN-Cache-Control"));
        Assert.Equal("HIT", hit.CfStatus());
        Assert.Equal("max-age=60", hit.Header("CDN-Cache-Control"));
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal("max-age=60", notModified.Header("CDN-Cache-Control"));
        Assert.Equal(1, h.Origin.Hits("/cdn"));
    }

    [Fact]
    public async Task Rfc9213_3_CDN_Cache_Control_of_an_uncacheable_answer_is_forwarded_too()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/cdn-pass", "p", ("Cache-Control", "max-age=60"), ("CDN-Cache-Control", "no-store"));

        var first = await h.GetAsync("/cdn-pass");
        var second = await h.GetAsync("/cdn-pass");

        Assert.Equal("no-store", first.Header("CDN-Cache-Control"));
        Assert.Equal("no-store", second.Header("CDN-Cache-Control"));
        Assert.Equal(2, h.Origin.Hits("/cdn-pass"));
    }

    [Fact]
    public async Task Rfc9213_3_ForwardCdnCacheControl_false_removes_it_from_every_response_and_it_still_governs_this_cache()
    {
        await using var h = await ProxyHarness.StartAsync(("ForwardCdnCacheControl", "false"));
        h.Origin.Fixed("/cdn-off", "c", ("Cache-Control", "no-store"), ("CDN-Cache-Control", "max-age=60"));
        h.Origin.Fixed("/cdn-off-pass", "p", ("CDN-Cache-Control", "no-store"));

        var miss = await h.GetAsync("/cdn-off");
        var hit = await h.GetAsync("/cdn-off");
        var pass = await h.GetAsync("/cdn-off-pass");

        Assert.Null(miss.Header("CDN-Cache-Control"));
        Assert.Equal("HIT", hit.CfStatus());
        Assert.Null(hit.Header("CDN-Cache-Control"));
        Assert.Null(pass.Header("CDN-Cache-Control"));
    }

    [Fact]
    public async Task Rfc9213_3_Surrogate_Control_and_this_caches_own_targeted_field_are_consumed_even_from_the_origin()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/own", "o", ("Surrogate-Control", "max-age=5"), ("EdgeCache-Cache-Control", "max-age=600"), ("CDN-Cache-Control", "max-age=1"));

        await h.GetAsync("/own");
        await h.AdvanceAsync(TimeSpan.FromSeconds(60));
        var hit = await h.GetAsync("/own");

        // The field aimed at this cache alone wins over CDN-Cache-Control, and neither it nor Surrogate-Control leaves.
        Assert.Equal("HIT", hit.CfStatus());
        Assert.Null(hit.Header("Surrogate-Control"));
        Assert.Null(hit.Header("EdgeCache-Cache-Control"));
        Assert.Equal("max-age=1", hit.Header("CDN-Cache-Control"));
    }

    [Fact]
    public async Task Rfc9213_3_A_rule_edge_ttl_never_reaches_a_downstream_cache_but_the_origins_own_CDN_Cache_Control_does()
    {
        await using var h = await ProxyHarness.StartAsync(
            ("Rules:0:Match:Path", "/ruled/**"),
            ("Rules:0:Action:EdgeTtl", "1h"));
        h.Origin.Fixed("/ruled/plain", "a", ("Cache-Control", "max-age=0"));
        h.Origin.Fixed("/ruled/own", "b", ("Cache-Control", "max-age=0"), ("CDN-Cache-Control", "max-age=5"));

        var plainMiss = await h.GetAsync("/ruled/plain");
        await h.GetAsync("/ruled/own");
        await h.AdvanceAsync(TimeSpan.FromMinutes(30));
        var plainHit = await h.GetAsync("/ruled/plain");
        var ownHit = await h.GetAsync("/ruled/own");

        // The rule governs this cache (30 minutes on, both are hits though the origin said 0 and 5 s) ...
        Assert.Equal("HIT", plainHit.CfStatus());
        Assert.Equal("HIT", ownHit.CfStatus());

        // ... and none of it leaks: no synthetic CDN-Cache-Control, the origin's own is passed on unchanged.
        Assert.Null(plainMiss.Header("CDN-Cache-Control"));
        Assert.Null(plainHit.Header("CDN-Cache-Control"));
        Assert.Null(plainHit.Header("EdgeCache-Cache-Control"));
        Assert.Equal("max-age=5", ownHit.Header("CDN-Cache-Control"));
        Assert.Null(ownHit.Header("EdgeCache-Cache-Control"));
    }

    [Fact]
    public async Task Rfc9213_3_A_browser_ttl_keeps_the_origin_policy_for_the_edge_without_leaking_it_as_CDN_Cache_Control()
    {
        await using var h = await ProxyHarness.StartAsync(
            ("Rules:0:Match:Path", "/browser/**"),
            ("Rules:0:Action:BrowserTtl", "30s"));
        h.Origin.Fixed("/browser/page", "p", ("Cache-Control", "public, max-age=600"));

        var miss = await h.GetAsync("/browser/page");
        await h.AdvanceAsync(TimeSpan.FromSeconds(300));
        var hit = await h.GetAsync("/browser/page");

        Assert.Equal("HIT", hit.CfStatus());
        Assert.Equal("max-age=30", hit.Header("Cache-Control"));
        Assert.Null(miss.Header("CDN-Cache-Control"));
        Assert.Null(hit.Header("CDN-Cache-Control"));
        Assert.Null(hit.Header("EdgeCache-Cache-Control"));
    }
}
