using Microsoft.AspNetCore.Http;

namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>RFC 9111 section 4.4: invalidation after unsafe methods.</summary>
public sealed class InvalidationTests
{
    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    [InlineData("FROB")]
    public async Task Rfc9111_4_4_A_successful_unsafe_request_invalidates_the_target_URI(string method)
    {
        await using var h = await ProxyHarness.StartAsync();

        await h.GetAsync("/doc");
        await h.SendAsync(new HttpMethod(method), "/doc");
        var after = await h.GetAsync("/doc");

        Assert.Contains("fwd=uri-miss", after.CacheStatus());
        Assert.Equal(3, h.Origin.Hits("/doc"));
    }

    [Fact]
    public async Task Rfc9111_4_4_Location_and_Content_Location_of_the_same_origin_are_invalidated()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Route("/form", (ctx, _) =>
        {
            if (HttpMethods.IsPost(ctx.Request.Method))
            {
                ctx.Response.StatusCode = 303;
                ctx.Response.Headers.Location = "/list";
                ctx.Response.Headers.ContentLocation = h.Origin.Url("/item").ToString();
            }

            return Task.CompletedTask;
        });

        await h.GetAsync("/list");
        await h.GetAsync("/item");
        await h.GetAsync("/other");
        await h.SendAsync(HttpMethod.Post, "/form");
        var list = await h.GetAsync("/list");
        var item = await h.GetAsync("/item");
        var other = await h.GetAsync("/other");

        Assert.Contains("fwd=uri-miss", list.CacheStatus());
        Assert.Contains("fwd=uri-miss", item.CacheStatus());
        Assert.Contains("hit", other.CacheStatus());
    }

    [Fact]
    public async Task Rfc9111_4_4_A_Location_written_with_the_clients_IDN_host_is_invalidated()
    {
        // The public host is an IDN the client sends in its xn-- form, as a Location names it. HttpRequest.Host decodes it
        // to Unicode, and the public base is built from that: System.Uri compares the two forms as one host.
        const string host = "xn--bcher-kva.example";
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Route("/order", (ctx, _) =>
        {
            if (HttpMethods.IsPost(ctx.Request.Method))
            {
                ctx.Response.StatusCode = 201;
                ctx.Response.Headers.Location = $"http://{host}/basket";
            }

            return Task.CompletedTask;
        });

        await h.GetAsync("/basket", ("Host", host));
        var before = await h.GetAsync("/basket", ("Host", host));
        await h.SendAsync(HttpMethod.Post, "/order", ("Host", host));
        var after = await h.GetAsync("/basket", ("Host", host));

        Assert.Contains("hit", before.CacheStatus());
        Assert.Contains("fwd=uri-miss", after.CacheStatus());
    }

    [Fact]
    public async Task Rfc9111_4_4_Location_on_another_origin_is_not_invalidated()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Route("/away", (ctx, _) =>
        {
            ctx.Response.StatusCode = 201;
            ctx.Response.Headers.Location = "http://elsewhere.example/list";
            return Task.CompletedTask;
        });

        await h.GetAsync("/list");
        await h.SendAsync(HttpMethod.Post, "/away");
        var list = await h.GetAsync("/list");

        Assert.Contains("hit", list.CacheStatus());
    }

    [Fact]
    public async Task Rfc9111_4_4_An_error_response_does_not_invalidate()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Route("/err", async (ctx, hit) =>
        {
            if (HttpMethods.IsPost(ctx.Request.Method))
            {
                ctx.Response.StatusCode = 500;
                return;
            }

            ctx.Response.Headers.CacheControl = "max-age=60";
            await ctx.Response.WriteAsync("e" + hit);
        });

        await h.GetAsync("/err");
        await h.SendAsync(HttpMethod.Post, "/err");
        var after = await h.GetAsync("/err");

        Assert.Contains("hit", after.CacheStatus());
    }
}
