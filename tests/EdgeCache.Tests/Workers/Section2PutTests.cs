using System.Net;
using EdgeCache.Tests.CacheApi;
using Microsoft.Extensions.Logging;
using static EdgeCache.Tests.CacheApi.CacheTestContext;

namespace EdgeCache.Tests.Workers;

/// <summary>Spec section 2: <c>cache.put</c> (items 10-28) and the "EdgeCache decisions" table.</summary>
public sealed class Section2PutTests
{
    private const string Url = "https://example.com/a";

    [Theory]
    [InlineData("POST")]
    [InlineData("HEAD")]
    [InlineData("PUT")]
    public async Task Item11_PutWithANonGetKey_ThrowsCannotCacheResponseToNonGetRequest(string method)
    {
        var ctx = new CacheTestContext();
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            ctx.Default.PutAsync(new HttpRequestMessage(new HttpMethod(method), Url), Response("x")));
        Assert.Contains("Cannot cache response to non-GET request.", error.Message, StringComparison.Ordinal);
        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));
    }

    [Fact]
    public async Task Item12_Put206_ThrowsCannotCacheResponseToARangeRequest()
    {
        var ctx = new CacheTestContext();
        var error = await Assert.ThrowsAsync<ArgumentException>(() => ctx.Default.PutAsync(Get(Url), Response("x", status: 206)));
        Assert.Contains("Cannot cache response to a range request (206 Partial Content).", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("*")]
    [InlineData("Accept, *")]
    [InlineData("Accept-Encoding,*")]
    public async Task Item13_VaryContainingStarAnywhere_ThrowsCannotCacheVaryStar(string vary)
    {
        var ctx = new CacheTestContext();
        var error = await Assert.ThrowsAsync<ArgumentException>(() => ctx.Default.PutAsync(Get(Url), Response("x", headers: ("Vary", vary))));
        Assert.Contains("Cannot cache response with 'Vary: *' header.", error.Message, StringComparison.Ordinal);
        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));
    }

    [Fact]
    public async Task Item14_Put304_IsSilentlyIgnored_StoresNothing_AndLogsAWarning()
    {
        var logger = new RecordingLogger();
        var ctx = new CacheTestContext(logger: logger);
        await ctx.Default.PutAsync(Get(Url), Response("old"));

        Assert.False(await ctx.Default.PutAsync(Get(Url), Response(string.Empty, status: 304, headers: ("ETag", "\"v1\""))));

        using var hit = await ctx.Default.MatchAsync(Get(Url));
        Assert.Equal(HttpStatusCode.OK, hit!.StatusCode);
        Assert.Equal("old", await hit.Content.ReadAsStringAsync());
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("304", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Item15_Put101_ThrowsCannotCacheWebSocketUpgradeResponse()
    {
        var ctx = new CacheTestContext();
        var error = await Assert.ThrowsAsync<ArgumentException>(() => ctx.Default.PutAsync(Get(Url), Response(string.Empty, status: 101)));
        Assert.Contains("Cannot cache WebSocket upgrade response.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Item16_PutConsumesTheResponse_SoACloneIsWhatYouStore()
    {
        var ctx = new CacheTestContext();
        var response = Response("shared body");

        Assert.True(await ctx.Default.PutAsync(Get(Url), response.Clone()));

        Assert.Equal("shared body", await response.Content.ReadAsStringAsync());
        using var hit = await ctx.Default.MatchAsync(Get(Url));
        Assert.Equal("shared body", await hit!.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Item17_PutThatStoresNothing_CompletesWithoutThrowing_AndSaysFalse()
    {
        var ctx = new CacheTestContext();
        Assert.False(await ctx.Default.PutAsync(Get(Url), Response("x", "no-store")));
        Assert.True(await ctx.Default.PutAsync(Get(Url), Response("x")));
    }

    [Fact]
    public async Task Item19_CacheTagETagLastModifiedAndExpires_AreKeptAndUsed()
    {
        var ctx = new CacheTestContext();
        var now = ctx.Time.GetUtcNow();
        var lastModified = "Wed, 21 Oct 2015 07:28:00 GMT";
        await ctx.Default.PutAsync(Get(Url), Response("x", cacheControl: null,
            headers: [("Cache-Tag", "a, b"), ("ETag", "\"v1\""), ("Last-Modified", lastModified), ("Expires", Rfc1123(now.AddSeconds(30)))]));

        var entry = await ctx.Store.GetAsync(Url);
        Assert.Equal(["a", "b"], entry!.Metadata.Tags);
        Assert.Equal(TimeSpan.FromSeconds(30), entry.Metadata.FreshnessLifetime);
        using var byETag = await ctx.Default.MatchAsync(Get(Url, ("If-None-Match", "\"v1\"")));
        Assert.Equal(HttpStatusCode.NotModified, byETag!.StatusCode);
        using var byDate = await ctx.Default.MatchAsync(Get(Url, ("If-Modified-Since", lastModified)));
        Assert.Equal(HttpStatusCode.NotModified, byDate!.StatusCode);
    }

    [Fact]
    public async Task Item20_SetCookie_NotCachedUnlessPrivateSetCookie()
    {
        var ctx = new CacheTestContext();
        Assert.False(await ctx.Default.PutAsync(Get(Url), Response("x", "public, s-maxage=10", headers: ("Set-Cookie", "sid=1"))));
        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));
    }

    [Theory]
    [InlineData("private=Set-Cookie, s-maxage=10")]
    [InlineData("private=\"Set-Cookie\", s-maxage=10")]
    [InlineData("s-maxage=10, private=set-cookie")]
    [InlineData("PRIVATE=\"set-cookie\",max-age=10")]
    public async Task Item20_PrivateSetCookie_QuotedOrNot_StoresWithoutTheCookie_AndKeepsCacheControlExactly(string cacheControl)
    {
        var ctx = new CacheTestContext();
        var response = Response("x", cacheControl, headers: ("Set-Cookie", "sid=secret"));
        response.Headers.TryAddWithoutValidation("Set-Cookie", "other=2");

        Assert.True(await ctx.Default.PutAsync(Get(Url), response));

        using var hit = await ctx.Default.MatchAsync(Get(Url));
        Assert.NotNull(hit);
        Assert.False(hit.Headers.Contains("Set-Cookie"));
        Assert.Equal(cacheControl, string.Join(", ", hit.Headers.NonValidated["Cache-Control"]));
    }

    [Fact]
    public async Task Item20_PrivateSetCookie_WithoutACookie_IsStoredToo()
    {
        var ctx = new CacheTestContext();
        Assert.True(await ctx.Default.PutAsync(Get(Url), Response("x", "private=Set-Cookie, s-maxage=10")));
    }

    [Theory]
    [InlineData("private=X-User, s-maxage=10")]
    [InlineData("private=\"Set-Cookie, X-User\", s-maxage=10")]
    public async Task Item20_PrivateQualifiedWithOtherFields_IsTreatedAsPrivate(string cacheControl)
    {
        var ctx = new CacheTestContext();
        Assert.False(await ctx.Default.PutAsync(Get(Url), Response("x", cacheControl, headers: ("X-User", "alice"))));
        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));
    }

    [Theory]
    [InlineData("private")]
    [InlineData("private, s-maxage=10")]
    [InlineData("s-maxage=10, private")]
    [InlineData("no-store")]
    [InlineData("public, max-age=60, no-store")]
    [InlineData("NO-STORE")]
    public async Task Item21_PrivateOrNoStore_IsNotCached(string cacheControl)
    {
        var ctx = new CacheTestContext();
        Assert.False(await ctx.Default.PutAsync(Get(Url), Response("x", cacheControl)));
        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));
    }

    [Theory]
    [InlineData("no-cache")]
    [InlineData("no-cache, s-maxage=10")]
    [InlineData("no-cache=\"Set-Cookie\", s-maxage=10")]
    public async Task Item22_NoCache_IsNeverMatched(string cacheControl)
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url), Response("x", cacheControl));
        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));
    }

    [Fact]
    public async Task Item28_ASecondPutOfTheSameKey_ReplacesTheEntry()
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url), Response("first"));
        await ctx.Default.PutAsync(Get(Url), Response("second", "s-maxage=100"));

        using var hit = await ctx.Default.MatchAsync(Get(Url));
        Assert.Equal("second", await hit!.Content.ReadAsStringAsync());
        ctx.Time.Advance(TimeSpan.FromSeconds(50));
        Assert.NotNull(await ctx.Default.MatchAsync(Get(Url)));
    }

    // ----- the "EdgeCache decisions" table -----

    [Theory]
    [InlineData(201)]
    [InlineData(204)]
    public async Task Decision_201And204WithExplicitFreshness_AreCached(int status)
    {
        var ctx = new CacheTestContext();
        var response = status == 204
            ? new HttpResponseMessage(HttpStatusCode.NoContent) { Content = new ByteArrayContent([]) }
            : Response("created", status: 201);
        response.Headers.TryAddWithoutValidation("Cache-Control", "s-maxage=10");

        Assert.True(await ctx.Default.PutAsync(Get(Url), response));

        using var hit = await ctx.Default.MatchAsync(Get(Url));
        Assert.Equal(status, (int)hit!.StatusCode);
        if (status == 204)
        {
            Assert.Null(hit.Content.Headers.ContentLength);
        }
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    public async Task Decision_500_502_503_AreNotCached_EvenWithSMaxAge(int status)
    {
        var ctx = new CacheTestContext();
        Assert.False(await ctx.Default.PutAsync(Get(Url), Response("down", "public, s-maxage=60", status)));
        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));
    }

    [Theory]
    [InlineData("s-maxage=1, s-maxage=10", 10)]
    [InlineData("s-maxage=10, s-maxage=1", 1)]
    [InlineData("max-age=5, max-age=50", 50)]
    public async Task Item55_DuplicatedDirective_TheLastOneWins(string cacheControl, int seconds)
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url), Response("x", cacheControl));

        ctx.Time.Advance(TimeSpan.FromSeconds(seconds) - TimeSpan.FromMilliseconds(1));
        Assert.NotNull(await ctx.Default.MatchAsync(Get(Url)));
        ctx.Time.Advance(TimeSpan.FromMilliseconds(2));
        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));
    }

    [Fact]
    public async Task Item55_DuplicatedDirectiveOnSeparateLines_TheLastOneWins()
    {
        var ctx = new CacheTestContext();
        var response = Response("x", "s-maxage=1");
        response.Headers.TryAddWithoutValidation("Cache-Control", "s-maxage=10");
        await ctx.Default.PutAsync(Get(Url), response);

        ctx.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.NotNull(await ctx.Default.MatchAsync(Get(Url)));
    }

    [Fact]
    public async Task Item55_DuplicatedDirectiveWhoseLastValueIsInvalid_IsStale()
    {
        var ctx = new CacheTestContext();
        Assert.False(await ctx.Default.PutAsync(Get(Url), Response("x", "s-maxage=10, s-maxage=abc")));
    }

    [Fact]
    public async Task Item56_AnOriginAgeShortensTheLifetime()
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url), Response("x", "s-maxage=10", headers: ("Age", "9")));

        ctx.Time.Advance(TimeSpan.FromMilliseconds(900));
        using (var hit = await ctx.Default.MatchAsync(Get(Url)))
        {
            Assert.Equal("9", hit!.Headers.NonValidated["Age"].ToString());
        }

        ctx.Time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));
    }

    [Theory]
    [InlineData("10")]
    [InlineData("20")]
    [InlineData("99999999999999999999")]
    public async Task Item56_AnOriginAgeAtOrAboveTheLifetime_IsNeverServed(string age)
    {
        var ctx = new CacheTestContext();
        Assert.False(await ctx.Default.PutAsync(Get(Url), Response("x", "s-maxage=10", headers: ("Age", age))));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-3")]
    public async Task Item56_AnInvalidOriginAge_CountsAsZero(string age)
    {
        var ctx = new CacheTestContext();
        Assert.True(await ctx.Default.PutAsync(Get(Url), Response("x", "s-maxage=10", headers: ("Age", age))));
        ctx.Time.Advance(TimeSpan.FromSeconds(9));
        Assert.NotNull(await ctx.Default.MatchAsync(Get(Url)));
    }

    [Fact]
    public async Task Item57_HopByHopHeadersAndThoseNamedInConnection_AreNotStored()
    {
        var ctx = new CacheTestContext();
        var response = Response("x", "s-maxage=10", 200,
            ("Connection", "X-Secret, close"), ("X-Secret", "1"), ("Keep-Alive", "timeout=5"), ("Trailer", "X-T"),
            ("Upgrade", "h2c"), ("Proxy-Authenticate", "Basic"), ("TE", "trailers"), ("X-Kept", "yes"));

        await ctx.Default.PutAsync(Get(Url), response);

        using var hit = await ctx.Default.MatchAsync(Get(Url));
        foreach (var name in new[] { "Connection", "X-Secret", "Keep-Alive", "Trailer", "Upgrade", "Proxy-Authenticate", "TE", "Transfer-Encoding" })
        {
            Assert.False(hit!.Headers.NonValidated.Contains(name), name);
        }

        Assert.Equal("yes", hit!.Headers.NonValidated["X-Kept"].ToString());
    }

    [Fact]
    public async Task Item57_DateIsSetAtStoreTime()
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url), Response("x", "s-maxage=100", headers: ("Date", "Wed, 21 Oct 2015 07:28:00 GMT")));
        var storedAt = ctx.Time.GetUtcNow();
        ctx.Time.Advance(TimeSpan.FromSeconds(30));

        using var hit = await ctx.Default.MatchAsync(Get(Url));
        Assert.Equal(Rfc1123(storedAt), hit!.Headers.NonValidated["Date"].ToString());
    }

    [Fact]
    public async Task Item57_RepeatedHeaderLines_AreAnsweredAsOneValue()
    {
        var ctx = new CacheTestContext();
        var response = Response("x", headers: ("X-Multi", "a"));
        response.Headers.TryAddWithoutValidation("X-Multi", "b");
        await ctx.Default.PutAsync(Get(Url), response);

        using var hit = await ctx.Default.MatchAsync(Get(Url));
        Assert.Equal(["a, b"], hit!.Headers.NonValidated["X-Multi"]);
    }

    [Fact]
    public async Task Put_ThatFailsWhileReadingTheBody_StoresNothing_AndDoesNotThrow()
    {
        var ctx = new CacheTestContext();
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new FailingStream()) };
        response.Headers.TryAddWithoutValidation("Cache-Control", "s-maxage=10");

        Assert.False(await ctx.Default.PutAsync(Get(Url), response));
        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));
    }

    private static string Rfc1123(DateTimeOffset value) => value.UtcDateTime.ToString("r", System.Globalization.CultureInfo.InvariantCulture);

    private sealed class FailingStream : MemoryStream
    {
        public FailingStream()
            : base(new byte[10])
        {
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => ValueTask.FromException<int>(new IOException("origin reset"));

        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("origin reset");
    }
}
