using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>Forwarding: methods, bodies, hop-by-hop fields, Via, X-Forwarded-*, Host, poisoning headers, origin errors.</summary>
public sealed class ForwardingTests
{
    private static void EchoRoute(ProxyHarness h, string path)
        => h.Origin.Route(path, async (ctx, _) =>
        {
            using var sha = SHA256.Create();
            var body = await new StreamContent(ctx.Request.Body).ReadAsByteArrayAsync();
            ctx.Response.Headers["X-Method"] = ctx.Request.Method;
            ctx.Response.Headers["X-Length"] = body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await ctx.Response.WriteAsync(Convert.ToHexString(SHA256.HashData(body)));
        });

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("PATCH")]
    [InlineData("DELETE")]
    public async Task Forwarding_request_bodies_reach_the_origin_intact(string method)
    {
        await using var h = await ProxyHarness.StartAsync();
        EchoRoute(h, "/echo");
        var payload = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);

        using var request = new HttpRequestMessage(new HttpMethod(method), "/echo") { Content = new ByteArrayContent(payload) };
        using var response = await h.Client.SendAsync(request);
        var hash = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(method, response.Header("X-Method"));
        Assert.Equal(Convert.ToHexString(SHA256.HashData(payload)), hash);
        Assert.Contains("fwd=method", response.CacheStatus());
        Assert.Equal("DYNAMIC", response.CfStatus());
    }

    [Fact]
    public async Task Forwarding_chunked_request_bodies_stream_to_the_origin()
    {
        await using var h = await ProxyHarness.StartAsync();
        EchoRoute(h, "/echo");
        var payload = RandomNumberGenerator.GetBytes(1024 * 1024);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/echo") { Content = new StreamContent(new UnknownLengthStream(payload)) };
        using var response = await h.Client.SendAsync(request);

        Assert.True(request.Headers.TransferEncodingChunked ?? true);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(payload)), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Forwarding_large_chunked_responses_stream_back_whole()
    {
        await using var h = await ProxyHarness.StartAsync();
        var payload = RandomNumberGenerator.GetBytes(8 * 1024 * 1024);
        h.Origin.Route("/large", async (ctx, _) =>
        {
            ctx.Response.Headers.CacheControl = "max-age=60";
            for (var i = 0; i < payload.Length; i += 100_000)
            {
                await ctx.Response.Body.WriteAsync(payload.AsMemory(i, Math.Min(100_000, payload.Length - i)));
            }
        });

        var first = await h.Client.GetByteArrayAsync("/large");
        var second = await h.GetAsync("/large");

        Assert.Equal(payload, first);
        Assert.Equal(payload, await second.Content.ReadAsByteArrayAsync());
        Assert.Contains("hit", second.CacheStatus());
        Assert.Equal(1, h.Origin.Hits("/large"));
    }

    [Fact]
    public async Task Forwarding_a_chunked_body_larger_than_the_buffer_limit_streams_whole_and_is_not_stored()
    {
        await using var h = await ProxyHarness.StartAsync(("MaxObjectSize", "1MB"));
        var payload = RandomNumberGenerator.GetBytes(6 * 1024 * 1024 + 5);
        h.Origin.Route("/huge", async (ctx, _) =>
        {
            ctx.Response.Headers.CacheControl = "max-age=60";
            for (var i = 0; i < payload.Length; i += 64_000)
            {
                await ctx.Response.Body.WriteAsync(payload.AsMemory(i, Math.Min(64_000, payload.Length - i)));
            }
        });

        var first = h.Client.GetByteArrayAsync("/huge");
        var second = h.Client.GetByteArrayAsync("/huge");
        var bodies = await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(60));
        var third = await h.GetAsync("/huge");

        Assert.All(bodies, b => Assert.Equal(payload, b));
        Assert.Equal(payload, await third.Content.ReadAsByteArrayAsync());
        Assert.DoesNotContain("; hit", third.CacheStatus());
    }

    [Fact]
    public async Task Forwarding_removes_hop_by_hop_fields_and_sets_Via_and_X_Forwarded_fields()
    {
        await using var h = await ProxyHarness.StartAsync();

        var response = await h.GetAsync("/fwd", ("Connection", "X-Secret"), ("X-Secret", "1"), ("Via", "1.1 client-proxy"), ("X-Forwarded-For", "203.0.113.9"), ("X-Kept", "k"));
        var seen = h.Origin.Requests.Single().Headers;

        Assert.False(seen.ContainsKey("X-Secret"));
        Assert.Equal("k", seen["X-Kept"]);
        Assert.Equal("1.1 client-proxy, 1.1 edgecache", seen["Via"]);
        Assert.Equal("203.0.113.9, 127.0.0.1", seen["X-Forwarded-For"]);
        Assert.Equal("http", seen["X-Forwarded-Proto"]);
        Assert.Contains("edgecache", response.Header("Via"));
    }

    [Fact]
    public async Task Forwarding_drops_headers_that_could_poison_the_cache_unless_allowed()
    {
        await using var h = await ProxyHarness.StartAsync(("AllowedUnkeyedHeaders:0", "X-Original-URL"));

        await h.GetAsync("/p", ("X-Forwarded-Host", "evil.example"), ("X-Original-URL", "/admin"), ("X-Rewrite-URL", "/admin"),
            ("X-Host", "evil.example"), ("Forwarded", "host=evil.example"), ("X-HTTP-Method-Override", "DELETE"));
        var seen = h.Origin.Requests.Single().Headers;

        Assert.False(seen.ContainsKey("X-Forwarded-Host"));
        Assert.False(seen.ContainsKey("X-Rewrite-URL"));
        Assert.False(seen.ContainsKey("X-Host"));
        Assert.False(seen.ContainsKey("Forwarded"));
        Assert.False(seen.ContainsKey("X-HTTP-Method-Override"));
        Assert.Equal("/admin", seen["X-Original-URL"]);
    }

    [Fact]
    public async Task Forwarding_sends_the_origin_Host_by_default()
    {
        await using var h = await ProxyHarness.StartAsync();

        await h.GetAsync("/host", ("Host", "public.example"));

        Assert.Equal(h.Origin.BaseUri.Authority, h.Origin.Requests.Single().Headers["Host"]);
    }

    [Fact]
    public async Task Forwarding_in_pass_through_mode_sends_the_client_Host_and_keys_on_it()
    {
        await using var h = await ProxyHarness.StartAsync(("HostHeader", "pass-through"));

        await h.GetAsync("/site", ("Host", "a.example"));
        var b = await h.GetAsync("/site", ("Host", "b.example"));
        var a = await h.GetAsync("/site", ("Host", "a.example"));

        Assert.Equal("a.example", h.Origin.Requests.First().Headers["Host"]);
        Assert.Contains("fwd=uri-miss", b.CacheStatus());
        Assert.Contains("hit", a.CacheStatus());
        Assert.Equal(2, h.Origin.Hits("/site"));
    }

    [Fact]
    public async Task Forwarding_a_path_that_looks_like_another_authority_stays_on_the_origin()
    {
        await using var h = await ProxyHarness.StartAsync();

        var response = await h.RawAsync($"GET //evil.example/x HTTP/1.1\r\nHost: {h.BaseUri.Authority}\r\nConnection: close\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Equal("//evil.example/x", h.Origin.Requests.Single().PathAndQuery);
    }

    [Fact]
    public async Task Forwarding_in_pass_through_mode_refuses_a_request_without_Host_instead_of_keying_it_on_nothing()
    {
        await using var h = await ProxyHarness.StartAsync(("HostHeader", "pass-through"));

        var response = await h.RawAsync("GET /nohost HTTP/1.0\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 400", response);
        Assert.Equal(0, h.Origin.TotalHits);
    }

    [Fact]
    public async Task Origin_refusing_connections_gives_502_with_a_short_plain_body()
    {
        await using var h = await ProxyHarness.StartAsync();
        await h.Origin.StopAsync();

        var (response, body) = await h.GetTextAsync("/down");
        var post = await h.SendAsync(HttpMethod.Post, "/down");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.StartsWith("502 Bad Gateway", body);
        Assert.DoesNotContain("Exception", body);
        Assert.Equal(HttpStatusCode.BadGateway, post.StatusCode);
    }

    [Fact]
    public async Task Origin_that_does_not_answer_in_time_gives_504()
    {
        await using var h = await ProxyHarness.StartAsync(("OriginTimeout", "00:00:00.500"));
        h.Origin.Route("/slow", async (ctx, _) => await Task.Delay(TimeSpan.FromSeconds(5), ctx.RequestAborted));

        var (response, body) = await h.GetTextAsync("/slow");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.StartsWith("504 Gateway Timeout", body);
    }

    [Fact]
    public async Task Rfc9211_Cache_Status_and_cf_cache_status_are_on_every_response()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/private", "p", ("Cache-Control", "private"));

        var miss = await h.GetAsync("/cs");
        var hit = await h.GetAsync("/cs");
        var bypass = await h.GetAsync("/private");
        var pass = await h.GetAsync("/private");
        var post = await h.SendAsync(HttpMethod.Post, "/cs");

        Assert.Equal("EdgeCache; fwd=uri-miss; fwd-status=200; ttl=60; stored", miss.CacheStatus());
        Assert.Equal("MISS", miss.CfStatus());
        Assert.Equal("EdgeCache; hit; ttl=60", hit.CacheStatus());
        Assert.Equal("HIT", hit.CfStatus());
        Assert.Equal("EdgeCache; fwd=uri-miss; fwd-status=200", bypass.CacheStatus());
        Assert.Equal("BYPASS", bypass.CfStatus());
        Assert.Equal("EdgeCache; fwd=bypass; fwd-status=200; detail=hit-for-pass", pass.CacheStatus());
        Assert.Equal("DYNAMIC", pass.CfStatus());
        Assert.Equal("EdgeCache; fwd=method; fwd-status=200", post.CacheStatus());
    }

    /// <summary>A stream whose length is unknown, so the client sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
