using System.Net;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>
/// RFC 9111 section 4.3.5 (a HEAD response updates or invalidates the stored GET) and RFC 9110 section 13.1.3
/// (a response without Last-Modified answers If-Modified-Since by its Date).
/// </summary>
public sealed class HeadUpdateTests
{
    /// <summary>GET: "full body", ETag "a", max-age=10, X-Version 1. HEAD: 200 whatever the preconditions, with the given ETag and Content-Length.</summary>
    private static void Document(ProxyHarness h, string path, string headETag, long headLength = 9, string headCacheControl = "max-age=100")
        => h.Origin.Route(path, async (ctx, hit) =>
        {
            ctx.Response.ContentType = "text/plain";
            if (HttpMethods.IsHead(ctx.Request.Method))
            {
                ctx.Response.Headers.ETag = headETag;
                ctx.Response.Headers.CacheControl = headCacheControl;
                ctx.Response.Headers["X-Version"] = "2";
                ctx.Response.ContentLength = headLength;
                return;
            }

            ctx.Response.Headers.ETag = "\"a\"";
            ctx.Response.Headers.CacheControl = "max-age=10";
            ctx.Response.Headers["X-Version"] = "1";
            await ctx.Response.WriteAsync("full body");
        });

    private static int Count(ProxyHarness h, string method, string path)
        => h.Origin.Requests.Count(r => r.Method == method && r.PathAndQuery == path);

    [Fact]
    public async Task Rfc9111_4_3_5_A_HEAD_response_with_matching_validators_updates_the_stored_GET()
    {
        await using var h = await ProxyHarness.StartAsync();
        Document(h, "/head", "\"a\"");

        await h.GetTextAsync("/head");
        await h.AdvanceAsync(TimeSpan.FromSeconds(20));
        var head = await h.SendAsync(HttpMethod.Head, "/head");
        await h.AdvanceAsync(TimeSpan.FromSeconds(30));
        var (get, body) = await h.GetTextAsync("/head");

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("REVALIDATED", head.CfStatus());
        Assert.Contains("fwd-status=200", head.CacheStatus());
        Assert.Contains("detail=head-update", head.CacheStatus());
        Assert.Equal("2", head.Header("X-Version"));
        Assert.Equal("9", head.Header("Content-Length"));

        // The GET is now fresh for the HEAD's max-age=100 with the HEAD's fields, and its body is the stored one.
        Assert.Equal("HIT", get.CfStatus());
        Assert.Equal("full body", body);
        Assert.Equal("2", get.Header("X-Version"));
        Assert.Equal("max-age=100", get.Header("Cache-Control"));
        Assert.Equal(1, Count(h, "GET", "/head"));
        Assert.Equal(1, Count(h, "HEAD", "/head"));
        Assert.Null(h.Origin.Requests.Single(r => r.Method == "HEAD").Headers.GetValueOrDefault("Range"));
        Assert.Equal("\"a\"", h.Origin.Requests.Single(r => r.Method == "HEAD").Headers["If-None-Match"]);
    }

    [Fact]
    public async Task Rfc9111_4_3_5_A_HEAD_response_with_another_validator_invalidates_the_stored_GET()
    {
        await using var h = await ProxyHarness.StartAsync();
        Document(h, "/head-changed", "\"b\"");

        await h.GetTextAsync("/head-changed");
        await h.AdvanceAsync(TimeSpan.FromSeconds(20));
        var head = await h.SendAsync(HttpMethod.Head, "/head-changed");
        var get = await h.GetAsync("/head-changed");

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("\"b\"", head.Header("ETag"));
        Assert.Contains("detail=head-invalidated", head.CacheStatus());
        Assert.Equal("MISS", get.CfStatus());
        Assert.Equal(2, Count(h, "GET", "/head-changed"));
    }

    [Fact]
    public async Task Rfc9111_4_3_5_A_HEAD_response_with_another_Content_Length_invalidates_the_stored_GET()
    {
        await using var h = await ProxyHarness.StartAsync();
        Document(h, "/head-length", "\"a\"", headLength: 12);

        await h.GetTextAsync("/head-length");
        await h.AdvanceAsync(TimeSpan.FromSeconds(20));
        var head = await h.SendAsync(HttpMethod.Head, "/head-length");
        var (get, body) = await h.GetTextAsync("/head-length");

        Assert.Contains("detail=head-invalidated", head.CacheStatus());
        Assert.Equal("MISS", get.CfStatus());
        Assert.Equal("full body", body);
    }

    [Fact]
    public async Task Rfc9111_4_3_5_A_HEAD_that_cannot_store_leaves_no_fresh_entry_behind()
    {
        await using var h = await ProxyHarness.StartAsync();
        Document(h, "/head-nostore", "\"a\"", headCacheControl: "no-store");

        await h.GetTextAsync("/head-nostore");
        await h.AdvanceAsync(TimeSpan.FromSeconds(20));
        await h.SendAsync(HttpMethod.Head, "/head-nostore");
        var get = await h.GetAsync("/head-nostore");

        // The origin now says no-store: the stored GET is dropped rather than freshened.
        Assert.NotEqual("HIT", get.CfStatus());
        Assert.Equal(2, Count(h, "GET", "/head-nostore"));
    }

    [Fact]
    public async Task Rfc9111_4_3_5_A_conditional_HEAD_answered_304_freshens_the_stored_GET()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Route("/head304", async (ctx, hit) =>
        {
            ctx.Response.Headers.ETag = "\"a\"";
            ctx.Response.Headers.CacheControl = "max-age=10";
            if (ctx.Request.Headers.IfNoneMatch == "\"a\"")
            {
                ctx.Response.StatusCode = 304;
                return;
            }

            await ctx.Response.WriteAsync("full body");
        });

        await h.GetTextAsync("/head304");
        await h.AdvanceAsync(TimeSpan.FromSeconds(20));
        var head = await h.SendAsync(HttpMethod.Head, "/head304");
        var get = await h.GetAsync("/head304");

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("REVALIDATED", head.CfStatus());
        Assert.Equal("HIT", get.CfStatus());
        Assert.Equal(1, Count(h, "GET", "/head304"));
    }

    [Fact]
    public async Task Rfc9111_4_3_5_A_HEAD_revalidation_is_never_mistaken_for_the_body_of_the_GET()
    {
        await using var h = await ProxyHarness.StartAsync();
        Document(h, "/head-body", "\"a\"");

        await h.GetTextAsync("/head-body");
        await h.AdvanceAsync(TimeSpan.FromSeconds(20));
        await h.SendAsync(HttpMethod.Head, "/head-body");
        var (get, body) = await h.GetTextAsync("/head-body");
        var range = await h.GetAsync("/head-body", ("Range", "bytes=5-8"));

        Assert.Equal("full body", body);
        Assert.Equal("9", get.Header("Content-Length"));
        Assert.Equal(HttpStatusCode.PartialContent, range.StatusCode);
        Assert.Equal("body", await range.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Rfc9110_13_1_3_A_fresh_response_without_Last_Modified_answers_If_Modified_Since_by_its_Date()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Route("/dated", async (ctx, hit) =>
        {
            ctx.Response.Headers.CacheControl = "max-age=600";
            await ctx.Response.WriteAsync("dated");
        });

        var date = h.HttpDateAt();
        var missNotModified = await h.GetAsync("/dated", ("If-Modified-Since", date));
        await h.AdvanceAsync(TimeSpan.FromSeconds(30));
        var hitNotModified = await h.GetAsync("/dated", ("If-Modified-Since", date));
        var hitModified = await h.GetAsync("/dated", ("If-Modified-Since", h.HttpDateAt(TimeSpan.FromSeconds(-60))));

        Assert.Null(missNotModified.Header("Last-Modified"));
        Assert.Equal(HttpStatusCode.NotModified, missNotModified.StatusCode);
        Assert.Equal(HttpStatusCode.NotModified, hitNotModified.StatusCode);
        Assert.Equal("HIT", hitNotModified.CfStatus());
        Assert.Equal(HttpStatusCode.OK, hitModified.StatusCode);
        Assert.Equal("dated", await hitModified.Content.ReadAsStringAsync());
        Assert.Equal(1, h.Origin.Hits("/dated"));
    }
}
