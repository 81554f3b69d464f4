using System.Net;
using EdgeCache.Tests.CacheApi;
using Microsoft.Extensions.Logging;
using static EdgeCache.Tests.CacheApi.CacheTestContext;

namespace EdgeCache.Tests.Workers;

/// <summary>Spec section 2: <c>cache.put</c>, the lifetime an entry gets (items 23-27: default edge TTLs, Expires,
/// s-maxage, stale directives, Vary, Authorization).</summary>
public sealed class Section2PutLifetimeTests
{
    private const string Url = "https://example.com/a";

    [Theory]
    [InlineData(200, 120)]
    [InlineData(301, 120)]
    [InlineData(302, 20)]
    [InlineData(303, 20)]
    [InlineData(404, 3)]
    [InlineData(410, 3)]
    public async Task Item23_NoCacheControlNorExpires_GetsTheDefaultEdgeTtlOfItsStatus(int status, int minutes)
    {
        var ctx = new CacheTestContext();
        Assert.True(await ctx.Default.PutAsync(Get(Url), Response("x", cacheControl: null, status: status)));

        ctx.Time.Advance(TimeSpan.FromMinutes(minutes) - TimeSpan.FromSeconds(1));
        using (var hit = await ctx.Default.MatchAsync(Get(Url)))
        {
            Assert.Equal(status, (int)hit!.StatusCode);
        }

        ctx.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));
    }

    [Theory]
    [InlineData(201)]
    [InlineData(203)]
    [InlineData(204)]
    [InlineData(307)]
    [InlineData(403)]
    [InlineData(500)]
    public async Task Item23_OtherStatusesWithoutExplicitFreshness_AreNotCached(int status)
    {
        var ctx = new CacheTestContext();
        Assert.False(await ctx.Default.PutAsync(Get(Url), Response("x", cacheControl: null, status: status)));
    }

    [Fact]
    public async Task Item23_DefaultEdgeTtls_AreConfigurable()
    {
        var options = new CacheOptions();
        options.DefaultEdgeTtl[200] = TimeSpan.FromSeconds(5);
        options.DefaultEdgeTtl[418] = TimeSpan.FromSeconds(7);
        options.DefaultEdgeTtl.Remove(404);
        var ctx = new CacheTestContext(options);

        Assert.True(await ctx.Default.PutAsync(Get(Url), Response("x", cacheControl: null)));
        Assert.True(await ctx.Default.PutAsync(Get(Url + "/teapot"), Response("x", cacheControl: null, status: 418)));
        Assert.False(await ctx.Default.PutAsync(Get(Url + "/missing"), Response("x", cacheControl: null, status: 404)));

        ctx.Time.Advance(TimeSpan.FromSeconds(6));
        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));
        Assert.NotNull(await ctx.Default.MatchAsync(Get(Url + "/teapot")));
    }

    [Fact]
    public void Item23_NegativeOrOutOfRangeDefaultEdgeTtl_IsRejectedByValidate()
    {
        var options = new CacheOptions();
        options.DefaultEdgeTtl[200] = TimeSpan.FromSeconds(-1);
        Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        var other = new CacheOptions();
        other.DefaultEdgeTtl[99] = TimeSpan.FromSeconds(1);
        Assert.Throws<ArgumentOutOfRangeException>(other.Validate);
    }

    [Fact]
    public async Task Item23_PublicWithoutALifetime_GetsTheDefaultEdgeTtl()
    {
        var ctx = new CacheTestContext();
        Assert.True(await ctx.Default.PutAsync(Get(Url), Response("x", "public")));
        ctx.Time.Advance(TimeSpan.FromMinutes(119));
        Assert.NotNull(await ctx.Default.MatchAsync(Get(Url)));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("0")]
    [InlineData("-1")]
    public async Task Item23_InvalidExpires_MeansAlreadyExpired_NotTheDefaultTtl(string expires)
    {
        var ctx = new CacheTestContext();
        Assert.False(await ctx.Default.PutAsync(Get(Url), Response("x", cacheControl: null, headers: ("Expires", expires))));
        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));
    }

    [Fact]
    public async Task Item23_ExpiresCountsFromTheOriginDate()
    {
        var ctx = new CacheTestContext();
        var now = ctx.Time.GetUtcNow();
        await ctx.Default.PutAsync(Get(Url), Response("x", cacheControl: null,
            headers: [("Date", Rfc1123(now.AddSeconds(-50))), ("Expires", Rfc1123(now.AddSeconds(10)))]));

        var entry = await ctx.Store.GetAsync(Url);
        Assert.Equal(TimeSpan.FromSeconds(60), entry!.Metadata.FreshnessLifetime);
    }

    [Theory]
    [InlineData("max-age=100, s-maxage=5", 5)]
    [InlineData("s-maxage=5, max-age=100", 5)]
    [InlineData("max-age=7", 7)]
    public async Task Item24_SMaxAgeOverridesMaxAgeAndExpires(string cacheControl, int seconds)
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url), Response("x", cacheControl, headers: ("Expires", Rfc1123(ctx.Time.GetUtcNow().AddHours(1)))));

        ctx.Time.Advance(TimeSpan.FromSeconds(seconds) - TimeSpan.FromMilliseconds(1));
        Assert.NotNull(await ctx.Default.MatchAsync(Get(Url)));
        ctx.Time.Advance(TimeSpan.FromMilliseconds(2));
        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));
    }

    [Theory]
    [InlineData("max-age=0")]
    [InlineData("s-maxage=0")]
    [InlineData("public, max-age=0")]
    [InlineData("max-age=60, s-maxage=0")]
    public async Task Item24_ZeroLifetime_IsNeverServed(string cacheControl)
    {
        var ctx = new CacheTestContext();
        Assert.False(await ctx.Default.PutAsync(Get(Url), Response("x", cacheControl)));
        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));
    }

    [Theory]
    [InlineData("max-age=abc")]
    [InlineData("max-age=-5")]
    [InlineData("s-maxage=1.5")]
    [InlineData("max-age=")]
    public async Task Item24_InvalidLifetime_IsStale_NotTheDefaultTtl(string cacheControl)
    {
        var ctx = new CacheTestContext();
        Assert.False(await ctx.Default.PutAsync(Get(Url), Response("x", cacheControl)));
    }

    [Theory]
    [InlineData("s-maxage=10, stale-while-revalidate=60")]
    [InlineData("s-maxage=10, stale-if-error=60")]
    public async Task Item25_StaleWhileRevalidateAndStaleIfError_AreIgnoredByMatch(string cacheControl)
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url), Response("x", cacheControl));

        ctx.Time.Advance(TimeSpan.FromSeconds(11));
        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));
    }

    [Fact]
    public async Task Item26_VaryIsNotPartOfTheKey()
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url, ("Accept-Encoding", "gzip")), Response("x", headers: ("Vary", "Accept-Encoding, User-Agent")));

        using var hit = await ctx.Default.MatchAsync(Get(Url, ("Accept-Encoding", "identity"), ("User-Agent", "other")));
        Assert.NotNull(hit);
        Assert.Equal("Accept-Encoding, User-Agent", string.Join(", ", hit.Headers.Vary));
    }

    [Theory]
    [InlineData("max-age=60", false)]
    [InlineData(null, false)]
    [InlineData("public, max-age=60", true)]
    [InlineData("must-revalidate, max-age=60", true)]
    [InlineData("s-maxage=60", true)]
    public async Task Item27_AuthorizationOnTheRequest_CachedOnlyWithPublicMustRevalidateOrSMaxAge(string? cacheControl, bool stored)
    {
        var ctx = new CacheTestContext();
        var key = Get(Url, ("Authorization", "Bearer token"));

        Assert.Equal(stored, await ctx.Default.PutAsync(key, Response("x", cacheControl)));
        Assert.Equal(stored, await ctx.Default.MatchAsync(Get(Url)) is not null);
    }

    [Fact]
    public async Task Item27_MalformedAuthorization_StillCounts()
    {
        var ctx = new CacheTestContext();
        Assert.False(await ctx.Default.PutAsync(Get(Url, ("Authorization", "\u00e9\u00e9 not a credential")), Response("x", "max-age=60")));
    }

    private static string Rfc1123(DateTimeOffset value) => value.UtcDateTime.ToString("r", System.Globalization.CultureInfo.InvariantCulture);
}
