using System.Net;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>RFC 9111 section 3: what a shared cache stores.</summary>
public sealed class StoringTests
{
    [Fact]
    public async Task Rfc9111_3_Response_with_max_age_is_stored_and_served_from_cache()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/a", "hello", ("Cache-Control", "max-age=60"));

        var (first, body1) = await h.GetTextAsync("/a");
        await h.AdvanceAsync(TimeSpan.FromSeconds(5));
        var (second, body2) = await h.GetTextAsync("/a");

        Assert.Equal("hello", body1);
        Assert.Equal("hello", body2);
        Assert.Equal(1, h.Origin.Hits("/a"));
        Assert.Contains("fwd=uri-miss", first.CacheStatus());
        Assert.Contains("stored", first.CacheStatus());
        Assert.Equal("MISS", first.CfStatus());
        Assert.StartsWith("EdgeCache; hit; ttl=5", second.CacheStatus());
        Assert.Equal("HIT", second.CfStatus());
        Assert.Null(first.Header("Age"));
        Assert.Equal("5", second.Header("Age"));
        Assert.Equal("5", second.Content.Headers.ContentLength?.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("no-store")]
    [InlineData("private")]
    [InlineData("max-age=60, no-store")]
    [InlineData("private, max-age=60")]
    public async Task Rfc9111_3_Response_with_no_store_or_private_is_not_stored(string cacheControl)
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/a", "x", ("Cache-Control", cacheControl));

        await h.GetTextAsync("/a");
        var (second, _) = await h.GetTextAsync("/a");

        Assert.Equal(2, h.Origin.Hits("/a"));
        Assert.DoesNotContain("hit", second.CacheStatus().Replace("hit-for-pass", string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rfc9111_3_Heuristically_cacheable_404_with_Last_Modified_is_stored()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Route("/gone", async (ctx, _) =>
        {
            ctx.Response.StatusCode = 404;
            ctx.Response.Headers.LastModified = h.HttpDateAt(TimeSpan.FromDays(-10));
            ctx.Response.Headers.Date = h.HttpDateAt();
            await ctx.Response.WriteAsync("not here");
        });

        await h.GetTextAsync("/gone");
        var (second, body) = await h.GetTextAsync("/gone");

        Assert.Equal(HttpStatusCode.NotFound, second.StatusCode);
        Assert.Equal("not here", body);
        Assert.Equal(1, h.Origin.Hits("/gone"));
    }

    [Fact]
    public async Task Rfc9111_3_Status_302_without_explicit_freshness_is_not_stored_but_with_max_age_is()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Route("/r", (ctx, _) =>
        {
            ctx.Response.StatusCode = 302;
            ctx.Response.Headers.Location = "/elsewhere";
            ctx.Response.Headers.LastModified = h.HttpDateAt(TimeSpan.FromDays(-10));
            return Task.CompletedTask;
        });
        h.Origin.Route("/r2", (ctx, _) =>
        {
            ctx.Response.StatusCode = 302;
            ctx.Response.Headers.Location = "/elsewhere";
            ctx.Response.Headers.CacheControl = "max-age=60";
            return Task.CompletedTask;
        });

        await h.GetAsync("/r");
        await h.GetAsync("/r");
        await h.GetAsync("/r2");
        var cached = await h.GetAsync("/r2");

        Assert.Equal(2, h.Origin.Hits("/r"));
        Assert.Equal(1, h.Origin.Hits("/r2"));
        Assert.Equal(HttpStatusCode.Redirect, cached.StatusCode);
        Assert.Equal("/elsewhere", cached.Header("Location"));
    }

    [Fact]
    public async Task Rfc9111_3_Incomplete_response_is_not_stored_and_the_client_sees_a_failed_transfer()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Route("/short", async (ctx, hit) =>
        {
            ctx.Response.Headers.CacheControl = "max-age=60";
            ctx.Response.ContentLength = 100;
            await ctx.Response.WriteAsync(new string('x', 50));
            await ctx.Response.Body.FlushAsync();
            if (hit == 1)
            {
                // Let the headers and the first half reach the proxy before the connection drops.
                await Task.Delay(1000);
                ctx.Abort();
                return;
            }

            await ctx.Response.WriteAsync(new string('y', 50));
        });

        var ex = await Record.ExceptionAsync(async () =>
        {
            var r = await h.GetAsync("/short");
            var text = await r.Content.ReadAsStringAsync();
            throw new InvalidOperationException($"no failure: {(int)r.StatusCode} {r.CacheStatus()} len={text.Length}");
        });
        Assert.True(ex is not InvalidOperationException, ex?.Message);
        var (second, body) = await h.GetTextAsync("/short");

        Assert.Equal(100, body.Length);
        Assert.Equal(2, h.Origin.Hits("/short"));
        Assert.Contains("fwd=uri-miss", second.CacheStatus());
    }

    [Fact]
    public async Task An_origin_that_drops_the_connection_before_any_body_byte_gets_the_client_a_502_not_a_broken_200()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Route("/headers-only", async (ctx, hit) =>
        {
            ctx.Response.Headers.CacheControl = "max-age=60";
            ctx.Response.ContentLength = 100;
            await ctx.Response.StartAsync();
            await ctx.Response.Body.FlushAsync();
            if (hit == 1)
            {
                // The headers reach the proxy; the body never comes.
                await Task.Delay(500);
                ctx.Abort();
                return;
            }

            await ctx.Response.WriteAsync(new string('z', 100));
        });

        var first = await h.Client.GetAsync("/headers-only");
        var (second, body) = await h.GetTextAsync("/headers-only");

        Assert.Equal(HttpStatusCode.BadGateway, first.StatusCode);
        Assert.Contains("origin-body-failed", first.CacheStatus());
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(new string('z', 100), body);
        Assert.Equal(2, h.Origin.Hits("/headers-only"));
    }

    [Fact]
    public async Task Rfc9111_3_5_Response_to_a_request_with_Authorization_is_not_stored_without_public()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/me", "secret", ("Cache-Control", "max-age=60"));

        await h.GetTextAsync("/me", ("Authorization", "Bearer a"));
        var (second, _) = await h.GetTextAsync("/me");

        Assert.Equal(2, h.Origin.Hits("/me"));
        Assert.DoesNotContain("; hit", second.CacheStatus());
    }

    [Theory]
    [InlineData("public, max-age=60")]
    [InlineData("s-maxage=60")]
    [InlineData("max-age=60, must-revalidate")]
    public async Task Rfc9111_3_5_Response_to_a_request_with_Authorization_is_stored_when_explicitly_allowed(string cacheControl)
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/shared", "shared", ("Cache-Control", cacheControl));

        await h.GetTextAsync("/shared", ("Authorization", "Bearer a"));
        var (second, body) = await h.GetTextAsync("/shared", ("Authorization", "Bearer b"));

        Assert.Equal("shared", body);
        Assert.Equal(1, h.Origin.Hits("/shared"));
        Assert.Contains("hit", second.CacheStatus());
    }

    [Fact]
    public async Task Rfc9111_3_1_Fields_named_by_qualified_private_are_not_stored()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Route("/q", async (ctx, hit) =>
        {
            ctx.Response.Headers.CacheControl = "max-age=60, private=\"Set-Cookie\"";
            ctx.Response.Headers.SetCookie = $"session={hit}";
            await ctx.Response.WriteAsync("page");
        });

        var first = await h.GetAsync("/q");
        var second = await h.GetAsync("/q");

        Assert.Equal("session=1", first.Header("Set-Cookie"));
        Assert.Null(second.Header("Set-Cookie"));
        Assert.Equal(1, h.Origin.Hits("/q"));
    }

    [Fact]
    public async Task Rfc9111_3_1_Connection_listed_and_hop_by_hop_fields_are_not_stored_or_forwarded()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Route("/hop", async (ctx, _) =>
        {
            ctx.Response.Headers.CacheControl = "max-age=60";
            ctx.Response.Headers.Connection = "X-Hop";
            ctx.Response.Headers["X-Hop"] = "1";
            ctx.Response.Headers["X-Kept"] = "2";
            await ctx.Response.WriteAsync("b");
        });

        var first = await h.GetAsync("/hop");
        var second = await h.GetAsync("/hop");

        Assert.Null(first.Header("X-Hop"));
        Assert.Null(second.Header("X-Hop"));
        Assert.Equal("2", second.Header("X-Kept"));
    }
}
