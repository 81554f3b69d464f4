using System.Net;
using EdgeCache.Storage;
using EdgeCache.Testing;

namespace EdgeCache.Server.Tests.Proxy;

/// <summary>
/// <c>Cache-Tag</c> is purge metadata: the origin's tags and the rules' tags are stored with the entry and
/// never sent to a client (as Cloudflare does), unless <c>ExposeCacheTags</c> is on for debugging.
/// </summary>
public sealed class CacheTagTests
{
    private const string Tagged = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nCache-Control: max-age=60\r\nETag: \"t\"\r\nCache-Tag: product-7,catalog\r\n\r\n0123456789";

    private static async Task<(RawSocketOrigin Origin, ProxyHarness Proxy)> StartAsync(params (string Key, string Value)[] settings)
    {
        var origin = RawSocketOrigin.Start();
        var proxy = await ProxyHarness.StartAsync([("Origin", origin.BaseUri.ToString()), .. settings]);
        return (origin, proxy);
    }

    private static bool HasCacheTag(HttpResponseMessage response) => response.Header("Cache-Tag") is not null;

    [Fact]
    public async Task Origin_tags_reach_no_client_on_a_miss_a_hit_a_304_or_a_range_and_still_purge_the_entry()
    {
        var (origin, h) = await StartAsync();
        await using var _ = origin;
        await using var __ = h;
        origin.Answer("/t", Tagged);

        var (miss, missBody) = await h.GetTextAsync("/t");
        var (hit, hitBody) = await h.GetTextAsync("/t");
        using var notModified = await h.GetAsync("/t", ("If-None-Match", "\"t\""));
        using var range = await h.GetAsync("/t", ("Range", "bytes=2-4"));
        using var ranges = await h.GetAsync("/t", ("Range", "bytes=0-1,5-6"));
        using var head = await h.SendAsync(HttpMethod.Head, "/t");

        Assert.Equal(("MISS", "0123456789"), (miss.CfStatus(), missBody));
        Assert.Equal(("HIT", "0123456789"), (hit.CfStatus(), hitBody));
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(HttpStatusCode.PartialContent, range.StatusCode);
        Assert.Equal(HttpStatusCode.PartialContent, ranges.StatusCode);
        Assert.All(new[] { miss, hit, notModified, range, ranges, head }, r => Assert.False(HasCacheTag(r), r.CacheStatus()));

        var purged = await h.Services.GetRequiredService<ICacheStore>().PurgeAsync(new PurgeRequest(PurgeKind.Tag, "product-7"));
        Assert.Equal(1, purged);
        Assert.Equal("MISS", (await h.GetAsync("/t")).CfStatus());
        Assert.Equal(2, origin.For("/t").Count);
    }

    [Fact]
    public async Task Origin_tags_on_an_uncacheable_answer_reach_no_client()
    {
        var (origin, h) = await StartAsync();
        await using var _ = origin;
        await using var __ = h;
        origin.Answer("/private", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nCache-Control: private\r\nCache-Tag: user-1\r\n\r\nme");
        origin.Answer("/post", "HTTP/1.1 201 Created\r\nContent-Length: 2\r\nCache-Tag: orders\r\n\r\nok");

        using var first = await h.GetAsync("/private");
        using var passed = await h.GetAsync("/private");
        using var post = await h.Client.PostAsync("/post", new StringContent("x"));

        Assert.Equal("BYPASS", first.CfStatus());
        Assert.Contains("hit-for-pass", passed.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, post.StatusCode);
        Assert.All(new[] { first, passed, post }, r => Assert.False(HasCacheTag(r), r.CacheStatus()));
    }

    [Fact]
    public async Task Rule_tags_reach_no_client_and_purge_the_entry()
    {
        var (origin, h) = await StartAsync(("Rules:0:Match:Path", "/docs/**"), ("Rules:0:Action:Tags:0", "docs"), ("Rules:0:Action:EdgeTtl", "1h"));
        await using var _ = origin;
        await using var __ = h;
        origin.Answer("/docs/a", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na");

        using var miss = await h.GetAsync("/docs/a");
        using var hit = await h.GetAsync("/docs/a");

        Assert.Equal("MISS", miss.CfStatus());
        Assert.Equal("HIT", hit.CfStatus());
        Assert.False(HasCacheTag(miss));
        Assert.False(HasCacheTag(hit));
        Assert.Equal(1, await h.Services.GetRequiredService<ICacheStore>().PurgeAsync(new PurgeRequest(PurgeKind.Tag, "docs")));
    }

    [Fact]
    public async Task ExposeCacheTags_sends_the_tags_on_for_debugging()
    {
        var (origin, h) = await StartAsync(("ExposeCacheTags", "true"));
        await using var _ = origin;
        await using var __ = h;
        origin.Answer("/t", Tagged);

        using var miss = await h.GetAsync("/t");
        using var hit = await h.GetAsync("/t");

        Assert.Equal("product-7,catalog", miss.Header("Cache-Tag"));
        Assert.Equal("HIT", hit.CfStatus());
        Assert.Equal("product-7,catalog", hit.Header("Cache-Tag"));
    }
}
