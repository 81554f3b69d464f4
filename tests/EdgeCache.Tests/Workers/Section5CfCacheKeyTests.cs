using EdgeCache.Tests.CacheApi;
using static EdgeCache.Tests.CacheApi.CacheTestContext;

namespace EdgeCache.Tests.Workers;

/// <summary>Spec section 5, the one item the Cache API honours: <c>cf.cacheKey</c> on the key request (item 44).</summary>
public sealed class Section5CfCacheKeyTests
{
    private const string Url = "https://example.com/a";

    [Fact]
    public async Task Item44_CustomCacheKey_ReplacesTheUrlForMatchPutAndDelete()
    {
        var ctx = new CacheTestContext();
        Assert.True(await ctx.Default.PutAsync(Get(Url + "?utm=1").WithCacheKey("product-42"), Response("keyed")));

        using (var hit = await ctx.Default.MatchAsync(Get("https://other.example/b").WithCacheKey("product-42")))
        {
            Assert.Equal("keyed", await hit!.Content.ReadAsStringAsync());
        }

        Assert.Null(await ctx.Default.MatchAsync(Get(Url + "?utm=1")));
        Assert.True(await ctx.Default.DeleteAsync(Get("https://third.example/").WithCacheKey("product-42")));
        Assert.Null(await ctx.Default.MatchAsync(Get(Url + "?utm=1").WithCacheKey("product-42")));
    }

    [Fact]
    public async Task Item44_CustomCacheKey_IsCarriedByWithUrl_AsNewRequestFromARequestWouldCarryCf()
    {
        var ctx = new CacheTestContext();
        var incoming = Get(Url).WithCacheKey("k");
        var key = incoming.WithUrl(new Uri("https://example.com/other"));

        await ctx.Default.PutAsync(key, Response("x"));

        Assert.NotNull(await ctx.Default.MatchAsync(Get("https://elsewhere.example/").WithCacheKey("k")));
    }

    [Fact]
    public async Task Item44_CustomKeysOfNamedCaches_AreDisjointFromTheDefaultCache()
    {
        var ctx = new CacheTestContext();
        var named = await ctx.Caches.OpenAsync("n");
        await named.PutAsync(Get(Url).WithCacheKey("k"), Response("named"));

        Assert.Null(await ctx.Default.MatchAsync(Get(Url).WithCacheKey("k")));
        Assert.NotNull(await named.MatchAsync(Get(Url).WithCacheKey("k")));
    }
}
