using System.Net;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>RFC 9111 section 4.3 (validation) and the section 5.2 directives that force or forbid it.</summary>
public sealed class ValidationTests
{
    /// <summary>A route with an ETag that answers 304 to a matching If-None-Match, adding X-Validated to the 304.</summary>
    private static void ValidatingRoute(ProxyHarness h, string path, string cacheControl, string etag = "\"v1\"")
        => h.Origin.Route(path, async (ctx, hit) =>
        {
            ctx.Response.Headers.CacheControl = cacheControl;
            ctx.Response.Headers.ETag = etag;
            if (ctx.Request.Headers.IfNoneMatch == etag)
            {
                ctx.Response.StatusCode = 304;
                ctx.Response.Headers["X-Validated"] = hit.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return;
            }

            await ctx.Response.WriteAsync("body " + hit);
        });

    [Fact]
    public async Task Rfc9111_4_3_1_Stale_entry_is_validated_with_If_None_Match_and_a_304_updates_its_headers()
    {
        await using var h = await ProxyHarness.StartAsync();
        ValidatingRoute(h, "/val", "max-age=10");

        await h.GetAsync("/val");
        await h.AdvanceAsync(TimeSpan.FromSeconds(20));
        var (revalidated, body) = await h.GetTextAsync("/val");
        var (hit, hitBody) = await h.GetTextAsync("/val");

        Assert.Equal(HttpStatusCode.OK, revalidated.StatusCode);
        Assert.Equal("body 1", body);
        Assert.Equal("2", revalidated.Header("X-Validated"));
        Assert.Equal("\"v1\"", h.Origin.Requests.Last().Headers["If-None-Match"]);
        Assert.Contains("fwd=stale", revalidated.CacheStatus());
        Assert.Contains("fwd-status=304", revalidated.CacheStatus());
        Assert.Equal("REVALIDATED", revalidated.CfStatus());
        Assert.Contains("hit", hit.CacheStatus());
        Assert.Equal("body 1", hitBody);
        Assert.Equal("2", hit.Header("X-Validated"));
        Assert.Equal(2, h.Origin.Hits("/val"));
    }

    [Fact]
    public async Task Rfc9111_4_3_1_Validation_sends_If_Modified_Since_from_Last_Modified()
    {
        await using var h = await ProxyHarness.StartAsync();
        var lastModified = h.HttpDateAt(TimeSpan.FromDays(-1));
        h.Origin.Route("/lm", async (ctx, hit) =>
        {
            ctx.Response.Headers.CacheControl = "max-age=10";
            ctx.Response.Headers.LastModified = lastModified;
            if (ctx.Request.Headers.IfModifiedSince == lastModified)
            {
                ctx.Response.StatusCode = 304;
                return;
            }

            await ctx.Response.WriteAsync("lm " + hit);
        });

        await h.GetAsync("/lm");
        await h.AdvanceAsync(TimeSpan.FromSeconds(20));
        var (second, body) = await h.GetTextAsync("/lm");

        Assert.Equal(lastModified, h.Origin.Requests.Last().Headers["If-Modified-Since"]);
        Assert.Equal("lm 1", body);
        Assert.Equal("REVALIDATED", second.CfStatus());
    }

    [Fact]
    public async Task Rfc9111_4_3_3_A_full_response_to_validation_replaces_the_stored_one()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Route("/new", async (ctx, hit) =>
        {
            ctx.Response.Headers.CacheControl = "max-age=10";
            ctx.Response.Headers.ETag = $"\"v{hit}\"";
            await ctx.Response.WriteAsync("version " + hit);
        });

        await h.GetAsync("/new");
        await h.AdvanceAsync(TimeSpan.FromSeconds(20));
        var (expired, body2) = await h.GetTextAsync("/new");
        var (_, body3) = await h.GetTextAsync("/new");

        Assert.Equal("version 2", body2);
        Assert.Equal("version 2", body3);
        Assert.Equal("EXPIRED", expired.CfStatus());
        Assert.Equal(2, h.Origin.Hits("/new"));
    }

    [Fact]
    public async Task Rfc9111_4_3_3_A_5xx_during_validation_is_forwarded_and_the_stored_response_is_kept()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Route("/flaky", async (ctx, hit) =>
        {
            if (hit == 2)
            {
                ctx.Response.StatusCode = 500;
                await ctx.Response.WriteAsync("oops");
                return;
            }

            ctx.Response.Headers.ETag = "\"f\"";
            ctx.Response.Headers.CacheControl = "max-age=10";

            if (ctx.Request.Headers.IfNoneMatch == "\"f\"")
            {
                ctx.Response.StatusCode = 304;
                return;
            }

            await ctx.Response.WriteAsync("fine");
        });

        await h.GetAsync("/flaky");
        await h.AdvanceAsync(TimeSpan.FromSeconds(20));
        var error = await h.GetAsync("/flaky");
        var (recovered, body) = await h.GetTextAsync("/flaky");

        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Equal("REVALIDATED", recovered.CfStatus());
        Assert.Equal("fine", body);
    }

    [Fact]
    public async Task Rfc9111_5_2_2_4_no_cache_response_is_validated_on_every_use()
    {
        await using var h = await ProxyHarness.StartAsync();
        ValidatingRoute(h, "/nc", "no-cache");

        await h.GetAsync("/nc");
        var (second, body) = await h.GetTextAsync("/nc");
        await h.GetAsync("/nc");

        Assert.Equal(3, h.Origin.Hits("/nc"));
        Assert.Equal("body 1", body);
        Assert.Equal("REVALIDATED", second.CfStatus());
    }

    [Theory]
    [InlineData("max-age=10, must-revalidate, stale-if-error=600")]
    [InlineData("max-age=10, proxy-revalidate, stale-if-error=600")]
    public async Task Rfc9111_5_2_2_2_must_revalidate_entry_is_never_served_stale_when_the_origin_is_down(string cacheControl)
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/mr", "mr", ("Cache-Control", cacheControl));

        await h.GetAsync("/mr");
        await h.AdvanceAsync(TimeSpan.FromSeconds(20));
        await h.Origin.StopAsync();
        var response = await h.GetAsync("/mr");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
    }

    [Fact]
    public async Task Rfc9111_5_2_1_4_Request_no_cache_forces_validation()
    {
        await using var h = await ProxyHarness.StartAsync();
        ValidatingRoute(h, "/rnc", "max-age=600");

        await h.GetAsync("/rnc");
        var validated = await h.GetAsync("/rnc", ("Cache-Control", "no-cache"));

        Assert.Equal(2, h.Origin.Hits("/rnc"));
        Assert.Contains("fwd=request", validated.CacheStatus());
    }

    [Fact]
    public async Task Rfc9111_5_2_1_1_Request_max_age_rejects_an_older_entry()
    {
        await using var h = await ProxyHarness.StartAsync();
        ValidatingRoute(h, "/rma", "max-age=600");

        await h.GetAsync("/rma");
        await h.AdvanceAsync(TimeSpan.FromSeconds(30));
        var young = await h.GetAsync("/rma", ("Cache-Control", "max-age=60"));
        var old = await h.GetAsync("/rma", ("Cache-Control", "max-age=10"));

        Assert.Contains("hit", young.CacheStatus());
        Assert.Contains("fwd=request", old.CacheStatus());
        Assert.Equal(2, h.Origin.Hits("/rma"));
    }

    [Fact]
    public async Task Rfc9111_5_2_1_2_Request_max_stale_accepts_a_stale_entry_within_its_bound()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/ms", "ms", ("Cache-Control", "max-age=10"));

        await h.GetAsync("/ms");
        await h.AdvanceAsync(TimeSpan.FromSeconds(30));
        var accepted = await h.GetAsync("/ms", ("Cache-Control", "max-stale=60"));
        var refused = await h.GetAsync("/ms", ("Cache-Control", "max-stale=5"));

        Assert.Contains("hit", accepted.CacheStatus());
        Assert.Equal("STALE", accepted.CfStatus());
        Assert.Equal(2, h.Origin.Hits("/ms"));
        Assert.DoesNotContain("; hit", refused.CacheStatus());
    }

    [Fact]
    public async Task Rfc9111_5_2_1_3_Request_min_fresh_rejects_an_entry_about_to_expire()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/mf", "mf", ("Cache-Control", "max-age=60"));

        await h.GetAsync("/mf");
        await h.AdvanceAsync(TimeSpan.FromSeconds(50));
        var refused = await h.GetAsync("/mf", ("Cache-Control", "min-fresh=20"));

        Assert.DoesNotContain("; hit", refused.CacheStatus());
        Assert.Equal(2, h.Origin.Hits("/mf"));
    }

    [Fact]
    public async Task Rfc9111_5_2_1_5_Request_no_store_response_is_not_stored()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/ns", "ns", ("Cache-Control", "max-age=60"));

        await h.GetAsync("/ns", ("Cache-Control", "no-store"));
        var second = await h.GetAsync("/ns");

        Assert.Equal(2, h.Origin.Hits("/ns"));
        Assert.Contains("fwd=uri-miss", second.CacheStatus());
    }

    [Fact]
    public async Task Rfc9111_5_2_1_7_only_if_cached_answers_504_on_a_miss_and_serves_a_hit()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/oic", "oic", ("Cache-Control", "max-age=60"));

        var miss = await h.GetAsync("/oic", ("Cache-Control", "only-if-cached"));
        await h.GetAsync("/oic");
        var hit = await h.GetAsync("/oic", ("Cache-Control", "only-if-cached"));

        Assert.Equal(HttpStatusCode.GatewayTimeout, miss.StatusCode);
        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        Assert.Equal(1, h.Origin.Hits("/oic"));
    }
}
