using EdgeCache.Tests.CacheApi;
using static EdgeCache.Tests.CacheApi.CacheTestContext;

namespace EdgeCache.Tests.Workers;

/// <summary>Spec section 4: <c>cache.delete</c> (items 37-41).</summary>
public sealed class Section4DeleteTests
{
    private const string Url = "https://example.com/a";

    [Theory]
    [InlineData("HEAD")]
    [InlineData("POST")]
    public async Task Item37_DeleteWithANonGetKey_IsFalse_UnlessIgnoreMethod(string method)
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url), Response("x"));

        Assert.False(await ctx.Default.DeleteAsync(new HttpRequestMessage(new HttpMethod(method), Url)));
        Assert.NotNull(await ctx.Default.MatchAsync(Get(Url)));

        Assert.True(await ctx.Default.DeleteAsync(new HttpRequestMessage(new HttpMethod(method), Url), new CacheQueryOptions { IgnoreMethod = true }));
        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));
    }

    [Fact]
    public async Task Item39_DeleteIsTrueWhenAnEntryWasRemoved_ThenFalse()
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url), Response("x"));

        Assert.True(await ctx.Default.DeleteAsync(Get(Url)));
        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));
        Assert.False(await ctx.Default.DeleteAsync(Get(Url)));
        Assert.False(await ctx.Default.DeleteAsync(Get(Url + "/never")));
    }

    [Fact]
    public async Task Item39_DeleteTouchesOnlyItsKey()
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url), Response("x"));
        await ctx.Default.PutAsync(Get(Url + "?v=2"), Response("y"));

        Assert.True(await ctx.Default.DeleteAsync(Get(Url)));
        Assert.NotNull(await ctx.Default.MatchAsync(Get(Url + "?v=2")));
    }

    [Fact]
    public async Task Item40_DeleteOfANamedCache_DoesNotReachTheDefaultCache()
    {
        var ctx = new CacheTestContext();
        var named = await ctx.Caches.OpenAsync("n");
        await ctx.Default.PutAsync(Get(Url), Response("x"));

        Assert.False(await named.DeleteAsync(Get(Url)));
        Assert.NotNull(await ctx.Default.MatchAsync(Get(Url)));
    }

    [Fact]
    public async Task Item40_DeleteByUrl_DoesNotReachAnEntryStoredUnderACustomKey()
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url).WithCacheKey("custom"), Response("x"));

        Assert.False(await ctx.Default.DeleteAsync(Get(Url)));
        Assert.True(await ctx.Default.DeleteAsync(Get(Url).WithCacheKey("custom")));
    }
}
