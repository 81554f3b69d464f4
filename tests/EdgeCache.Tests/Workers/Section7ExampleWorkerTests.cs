using System.Net;
using EdgeCache.Tests.CacheApi;
using static EdgeCache.Tests.CacheApi.CacheTestContext;

namespace EdgeCache.Tests.Workers;

/// <summary>
/// Spec section 7: what the reference example worker does (items 67-69), replayed on the Cache API:
/// the origin response gets <c>Cache-Control: s-maxage=10</c> appended as a second field line, and
/// the incoming request (all its headers) is the key.
/// </summary>
public sealed class Section7ExampleWorkerTests
{
    private const string Url = "https://example.com/a";

    [Theory]
    [InlineData("public, max-age=60", "public, max-age=60, s-maxage=10")]
    [InlineData("s-maxage=1", "s-maxage=1, s-maxage=10")]
    [InlineData("max-age=1", "max-age=1, s-maxage=10")]
    [InlineData(null, "s-maxage=10")]
    public async Task Item67_TheAppendedSMaxAge10_IsKeptVerbatim_AndCapsTheLifetimeAt10s(string? originCacheControl, string stored)
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url), ExampleResponse(originCacheControl, ("Expires", "Thu, 01 Jan 2099 00:00:00 GMT")));

        ctx.Time.Advance(TimeSpan.FromSeconds(9));
        using (var hit = await ctx.Default.MatchAsync(Get(Url)))
        {
            Assert.Equal(stored, string.Join(", ", hit!.Headers.NonValidated["Cache-Control"]));
        }

        ctx.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));
    }

    [Theory]
    [InlineData("no-store")]
    [InlineData("private")]
    [InlineData("no-cache")]
    [InlineData("proxy-revalidate")]
    public async Task Item67_NoStorePrivateNoCacheAndProxyRevalidate_StillPreventCaching(string originCacheControl)
    {
        var ctx = new CacheTestContext();
        Assert.False(await ctx.Default.PutAsync(Get(Url), ExampleResponse(originCacheControl)));
        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));
    }

    [Fact]
    public async Task Item67_SetCookie_StillPreventsCaching()
    {
        var ctx = new CacheTestContext();
        Assert.False(await ctx.Default.PutAsync(Get(Url), ExampleResponse(null, ("Set-Cookie", "a=1"))));
    }

    [Fact]
    public async Task Item68_ARangeOnTheKeyRequest_IsAnsweredFromCacheOnAHit()
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url), ExampleResponse(null));

        using var hit = await ctx.Default.MatchAsync(Get(Url, ("Range", "bytes=0-1"), ("If-None-Match", "\"zzz\"")));
        Assert.Equal(HttpStatusCode.PartialContent, hit!.StatusCode);
    }

    [Fact]
    public async Task Item68_AnOrigin206OrAnOrigin304OnAMiss_IsNotCached()
    {
        var ctx = new CacheTestContext();
        var key = Get(Url, ("Range", "bytes=0-9"));

        var partial = ExampleResponse(null, ("Content-Range", "bytes 0-9/100"));
        partial.StatusCode = HttpStatusCode.PartialContent;
        await Assert.ThrowsAsync<ArgumentException>(() => ctx.Default.PutAsync(key, partial));

        var notModified = ExampleResponse(null, ("ETag", "\"v1\""));
        notModified.StatusCode = HttpStatusCode.NotModified;
        Assert.False(await ctx.Default.PutAsync(Get(Url, ("If-None-Match", "\"v1\"")), notModified));

        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));
    }

    [Fact]
    public async Task Item68_TheKeyRequestsOtherHeaders_DoNotPreventStoring()
    {
        var ctx = new CacheTestContext();
        var key = Get(Url, ("Range", "bytes=0-9"), ("If-None-Match", "\"v1\""), ("Cache-Control", "no-cache"), ("Pragma", "no-cache"));

        Assert.True(await ctx.Default.PutAsync(key, ExampleResponse(null)));
        Assert.NotNull(await ctx.Default.MatchAsync(Get(Url, ("Cache-Control", "no-cache"))));
    }

    [Fact]
    public async Task Item69_HeadAndPost_NeverMatch_PostPutThrows_AndTheGetEntryIsUntouched()
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url), ExampleResponse(null));

        Assert.Null(await ctx.Default.MatchAsync(new HttpRequestMessage(HttpMethod.Head, Url)));
        Assert.Null(await ctx.Default.MatchAsync(new HttpRequestMessage(HttpMethod.Post, Url)));
        await Assert.ThrowsAsync<ArgumentException>(() => ctx.Default.PutAsync(new HttpRequestMessage(HttpMethod.Post, Url), ExampleResponse(null)));

        using var hit = await ctx.Default.MatchAsync(Get(Url));
        Assert.Equal("origin body", await hit!.Content.ReadAsStringAsync());
    }

    /// <summary>An origin response after the example's <c>headers.append('Cache-Control', 's-maxage=10')</c>.</summary>
    private static HttpResponseMessage ExampleResponse(string? originCacheControl, params (string Name, string Value)[] headers)
    {
        var response = Response("origin body", originCacheControl, 200, headers);
        response.Headers.TryAddWithoutValidation("Cache-Control", "s-maxage=10");
        return response;
    }
}
