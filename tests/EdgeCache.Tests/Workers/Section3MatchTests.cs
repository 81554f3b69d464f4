using System.Net;
using System.Text;
using EdgeCache.Tests.CacheApi;
using static EdgeCache.Tests.CacheApi.CacheTestContext;

namespace EdgeCache.Tests.Workers;

/// <summary>Spec section 3: <c>cache.match</c> (items 29-36), with the conditional and range rules of items 57, 60 and 61.</summary>
public sealed class Section3MatchTests
{
    private const string Url = "https://example.com/a";
    private const string LastModified = "Wed, 21 Oct 2015 07:28:00 GMT";

    private static readonly string Body100 = string.Concat(Enumerable.Range(0, 100).Select(i => (char)('a' + (i % 26))));

    [Theory]
    [InlineData("HEAD")]
    [InlineData("POST")]
    [InlineData("DELETE")]
    public async Task Item29_MatchWithANonGetKey_IsAMiss_UnlessIgnoreMethod(string method)
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url), Response("x"));

        Assert.Null(await ctx.Default.MatchAsync(new HttpRequestMessage(new HttpMethod(method), Url)));
        using var hit = await ctx.Default.MatchAsync(new HttpRequestMessage(new HttpMethod(method), Url), new CacheQueryOptions { IgnoreMethod = true });
        Assert.Equal("x", await hit!.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Item30_MatchOnAMissOrAnExpiredEntry_IsNull()
    {
        var ctx = new CacheTestContext();
        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));

        await ctx.Default.PutAsync(Get(Url), Response("x", "s-maxage=1"));
        ctx.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));
    }

    [Theory]
    [InlineData(301)]
    [InlineData(404)]
    [InlineData(410)]
    public async Task Item32_AHitKeepsTheStoredStatusHeadersAndBody(int status)
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url), Response("stored", "s-maxage=10", status, ("X-Custom", "kept"), ("Location", "/b")));

        using var hit = await ctx.Default.MatchAsync(Get(Url));
        Assert.Equal(status, (int)hit!.StatusCode);
        Assert.Equal("kept", hit.Headers.NonValidated["X-Custom"].ToString());
        Assert.Equal("/b", hit.Headers.NonValidated["Location"].ToString());
        Assert.Equal("stored", await hit.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Item33_RangeOnHit_Returns206()
    {
        var ctx = await WithBody100();

        using var hit = await ctx.Default.MatchAsync(Get(Url, ("Range", "bytes=0-9")));

        Assert.Equal(HttpStatusCode.PartialContent, hit!.StatusCode);
        Assert.Equal("bytes 0-9/100", hit.Content.Headers.NonValidated["Content-Range"].ToString());
        Assert.Equal(10, hit.Content.Headers.ContentLength);
        Assert.Equal(Body100[..10], await hit.Content.ReadAsStringAsync());
        Assert.Equal("HIT", hit.Headers.NonValidated["cf-cache-status"].ToString());
        Assert.Equal("text/plain; charset=utf-8", hit.Content.Headers.NonValidated["Content-Type"].ToString());
    }

    [Theory]
    [InlineData("bytes=-10", 90, 99)]
    [InlineData("bytes=-1000", 0, 99)]
    [InlineData("bytes=90-", 90, 99)]
    [InlineData("bytes=0-", 0, 99)]
    [InlineData("bytes=95-1000", 95, 99)]
    [InlineData("bytes=99-99", 99, 99)]
    [InlineData("BYTES=10-19", 10, 19)]
    [InlineData("bytes= 10-19", 10, 19)]
    public async Task Item33_SuffixOpenAndClampedRanges_Return206WithinBounds(string range, int first, int last)
    {
        var ctx = await WithBody100();

        using var hit = await ctx.Default.MatchAsync(Get(Url, ("Range", range)));

        Assert.Equal(HttpStatusCode.PartialContent, hit!.StatusCode);
        Assert.Equal($"bytes {first}-{last}/100", hit.Content.Headers.NonValidated["Content-Range"].ToString());
        Assert.Equal(last - first + 1, hit.Content.Headers.ContentLength);
        Assert.Equal(Body100[first..(last + 1)], await hit.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Item33_RangeIsHonouredEvenWhenTheStoredResponseSaysAcceptRangesNone()
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url), Response(Body100, headers: ("Accept-Ranges", "none")));

        using var hit = await ctx.Default.MatchAsync(Get(Url, ("Range", "bytes=0-0")));
        Assert.Equal(HttpStatusCode.PartialContent, hit!.StatusCode);
    }

    [Fact]
    public async Task Item33_RangeOnAStoredNon200_IsIgnored()
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url), Response(Body100, status: 404));

        using var hit = await ctx.Default.MatchAsync(Get(Url, ("Range", "bytes=0-9")));
        Assert.Equal(HttpStatusCode.NotFound, hit!.StatusCode);
        Assert.Equal(100, hit.Content.Headers.ContentLength);
    }

    [Theory]
    [InlineData("bytes=abc")]
    [InlineData("bytes=9-5")]
    [InlineData("items=0-5")]
    [InlineData("bytes")]
    [InlineData("bytes=--5")]
    [InlineData("")]
    public async Task Item33_MalformedRange_IsIgnored_AndTheWholeBodyServed(string range)
    {
        var ctx = await WithBody100();

        using var hit = await ctx.Default.MatchAsync(Get(Url, ("Range", range)));
        Assert.Equal(HttpStatusCode.OK, hit!.StatusCode);
        Assert.Equal(Body100, await hit.Content.ReadAsStringAsync());
        Assert.False(hit.Content.Headers.NonValidated.Contains("Content-Range"));
    }

    [Fact]
    public async Task Item61_SeveralRanges_AreMultipartByteranges()
    {
        var ctx = await WithBody100();

        using var hit = await ctx.Default.MatchAsync(Get(Url, ("Range", "bytes=0-9, 20-29")));

        Assert.Equal(HttpStatusCode.PartialContent, hit!.StatusCode);
        var contentType = hit.Content.Headers.NonValidated["Content-Type"].ToString();
        Assert.StartsWith("multipart/byteranges; boundary=", contentType, StringComparison.Ordinal);
        var boundary = contentType["multipart/byteranges; boundary=".Length..];
        var expected =
            $"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-9/100\r\n\r\n{Body100[..10]}" +
            $"\r\n--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 20-29/100\r\n\r\n{Body100[20..30]}" +
            $"\r\n--{boundary}--";
        var body = await hit.Content.ReadAsByteArrayAsync();
        Assert.Equal(expected, Encoding.ASCII.GetString(body));
        Assert.Equal(body.Length, hit.Content.Headers.ContentLength);
        Assert.False(hit.Content.Headers.NonValidated.Contains("Content-Range"));
        Assert.Equal("HIT", hit.Headers.NonValidated["cf-cache-status"].ToString());
    }

    [Fact]
    public async Task Item61_SeveralRangesAddingUpToMoreThanTheBody_ServeTheWholeBody()
    {
        var ctx = await WithBody100();

        using var hit = await ctx.Default.MatchAsync(Get(Url, ("Range", "bytes=0-99, 0-99, 0-99")));
        Assert.Equal(HttpStatusCode.OK, hit!.StatusCode);
        Assert.Equal(100, hit.Content.Headers.ContentLength);
    }

    [Theory]
    [InlineData("bytes=100-")]
    [InlineData("bytes=200-300")]
    [InlineData("bytes=-0")]
    [InlineData("bytes=100-199, 150-")]
    public async Task Item61_UnsatisfiableRange_Is416_WithOnlyContentRangeAndCfCacheStatus(string range)
    {
        var ctx = await WithBody100(("ETag", "\"v1\""), ("X-Custom", "dropped"));

        using var hit = await ctx.Default.MatchAsync(Get(Url, ("Range", range)));

        Assert.NotNull(hit);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, hit.StatusCode);
        var names = hit.Headers.NonValidated.Select(h => h.Key).Concat(hit.Content.Headers.NonValidated.Select(h => h.Key))
            .Select(n => n.ToLowerInvariant()).Order();
        Assert.Equal(["cf-cache-status", "content-range"], names);
        Assert.Equal("bytes */100", hit.Content.Headers.NonValidated["Content-Range"].ToString());
        Assert.Empty(await hit.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Item61_OneSatisfiableRangeAmongUnsatisfiableOnes_IsServed()
    {
        var ctx = await WithBody100();

        using var hit = await ctx.Default.MatchAsync(Get(Url, ("Range", "bytes=500-600, 0-4")));
        Assert.Equal(HttpStatusCode.PartialContent, hit!.StatusCode);
        Assert.Equal("bytes 0-4/100", hit.Content.Headers.NonValidated["Content-Range"].ToString());
    }

    [Fact]
    public async Task Item61_AnyRangeOfAnEmptyBody_Is416()
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url), Response(string.Empty));

        using var hit = await ctx.Default.MatchAsync(Get(Url, ("Range", "bytes=0-")));
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, hit!.StatusCode);
        Assert.Equal("bytes */0", hit.Content.Headers.NonValidated["Content-Range"].ToString());
    }

    [Theory]
    [InlineData("\"v1\"", "\"v1\"")]
    [InlineData("W/\"v1\"", "\"v1\"")]
    [InlineData("\"v1\"", "W/\"v1\"")]
    [InlineData("\"v1\"", "\"a\", \"v1\"")]
    [InlineData("\"v1\"", "\"a\",W/\"v1\" , \"b\"")]
    [InlineData("\"v1\"", "*")]
    [InlineData("\"v1\"", " * ")]
    public async Task Item34_IfNoneMatch_WeakComparisonListsAndStar_Give304(string etag, string ifNoneMatch)
    {
        var ctx = await WithBody100(("ETag", etag), ("X-Custom", "kept"));

        using var hit = await ctx.Default.MatchAsync(Get(Url, ("If-None-Match", ifNoneMatch)));

        Assert.Equal(HttpStatusCode.NotModified, hit!.StatusCode);
        Assert.Equal(etag, hit.Headers.NonValidated["ETag"].ToString());
        Assert.Equal("kept", hit.Headers.NonValidated["X-Custom"].ToString());
        Assert.Equal("HIT", hit.Headers.NonValidated["cf-cache-status"].ToString());
        Assert.True(hit.Headers.NonValidated.Contains("Age"));
        Assert.Null(hit.Content.Headers.ContentLength);
        Assert.Empty(await hit.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("\"v1\"", "\"v2\"")]
    [InlineData("\"v1\"", "v1")]
    [InlineData("\"v1\"", "\"v1")]
    [InlineData("\"v1\"", "")]
    [InlineData("\"v1\"", "\"V1\"")]
    public async Task Item34_IfNoneMatchThatDoesNotMatch_Gives200FromCache(string etag, string ifNoneMatch)
    {
        var ctx = await WithBody100(("ETag", etag));

        using var hit = await ctx.Default.MatchAsync(Get(Url, ("If-None-Match", ifNoneMatch)));
        Assert.Equal(HttpStatusCode.OK, hit!.StatusCode);
        Assert.Equal(Body100, await hit.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("\"\"")]
    [InlineData("W/v1")]
    public async Task Item60_IfNoneMatch_AppliesOnlyWhenTheStoredETagIsWellFormed(string storedETag)
    {
        var ctx = await WithBody100(("ETag", storedETag));

        using var hit = await ctx.Default.MatchAsync(Get(Url, ("If-None-Match", "*")));
        Assert.Equal(HttpStatusCode.OK, hit!.StatusCode);
    }

    [Theory]
    [InlineData("Wed, 21 Oct 2015 07:28:00 GMT", HttpStatusCode.NotModified)]
    [InlineData("Thu, 22 Oct 2015 07:28:00 GMT", HttpStatusCode.NotModified)]
    [InlineData("Tue, 20 Oct 2015 07:28:00 GMT", HttpStatusCode.OK)]
    [InlineData("Wed, 21 Oct 2015 07:27:59 GMT", HttpStatusCode.OK)]
    public async Task Item35_IfModifiedSince_Gives304WhenLastModifiedIsNotNewer(string ifModifiedSince, HttpStatusCode expected)
    {
        var ctx = await WithBody100(("Last-Modified", LastModified));

        using var hit = await ctx.Default.MatchAsync(Get(Url, ("If-Modified-Since", ifModifiedSince)));
        Assert.Equal(expected, hit!.StatusCode);
        if (expected == HttpStatusCode.NotModified)
        {
            Assert.Equal(LastModified, hit.Content.Headers.NonValidated["Last-Modified"].ToString());
            Assert.Null(hit.Content.Headers.ContentLength);
        }
    }

    [Theory]
    [InlineData("Thursday, 22-Oct-15 07:28:00 GMT")]
    [InlineData("Thu Oct 22 07:28:00 2015")]
    [InlineData("2015-10-22T07:28:00Z")]
    [InlineData("Thu, 22 Oct 2015 07:28:00 +0000")]
    [InlineData("thu, 22 oct 2015 07:28:00 gmt")]
    [InlineData("Thu, 22 Oct 2015 07:28:00 GMT, extra")]
    [InlineData("not a date")]
    [InlineData("")]
    public async Task Item60_IfModifiedSinceInAnyFormButIMFFixdate_IsIgnored(string ifModifiedSince)
    {
        var ctx = await WithBody100(("Last-Modified", LastModified));

        using var hit = await ctx.Default.MatchAsync(Get(Url, ("If-Modified-Since", ifModifiedSince)));
        Assert.Equal(HttpStatusCode.OK, hit!.StatusCode);
    }

    [Fact]
    public async Task Item60_IfModifiedSince_IsIgnoredWhenTheStoredLastModifiedIsNotIMFFixdate()
    {
        var ctx = await WithBody100(("Last-Modified", "Wednesday, 21-Oct-15 07:28:00 GMT"));

        using var hit = await ctx.Default.MatchAsync(Get(Url, ("If-Modified-Since", "Thu, 22 Oct 2015 07:28:00 GMT")));
        Assert.Equal(HttpStatusCode.OK, hit!.StatusCode);
    }

    [Fact]
    public async Task Item60_IfModifiedSince_IsIgnoredWhenIfNoneMatchApplies()
    {
        var ctx = await WithBody100(("ETag", "\"v1\""), ("Last-Modified", LastModified));

        using var hit = await ctx.Default.MatchAsync(Get(Url, ("If-None-Match", "\"v2\""), ("If-Modified-Since", "Thu, 22 Oct 2015 07:28:00 GMT")));
        Assert.Equal(HttpStatusCode.OK, hit!.StatusCode);
    }

    [Fact]
    public async Task Item60_ConditionalsComeBeforeRange()
    {
        var ctx = await WithBody100(("ETag", "\"v1\""));

        using var notModified = await ctx.Default.MatchAsync(Get(Url, ("If-None-Match", "\"v1\""), ("Range", "bytes=500-")));
        Assert.Equal(HttpStatusCode.NotModified, notModified!.StatusCode);

        using var partial = await ctx.Default.MatchAsync(Get(Url, ("If-None-Match", "\"v2\""), ("Range", "bytes=0-1")));
        Assert.Equal(HttpStatusCode.PartialContent, partial!.StatusCode);
    }

    [Fact]
    public async Task Item60_ConditionalsOnAStoredNon2xx_AreIgnored()
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url), Response("gone", status: 404, headers: ("ETag", "\"v1\"")));

        using var hit = await ctx.Default.MatchAsync(Get(Url, ("If-None-Match", "*")));
        Assert.Equal(HttpStatusCode.NotFound, hit!.StatusCode);
    }

    [Fact]
    public async Task Item36_AHitCarriesCfCacheStatusHIT_AndAnAgeThatGrowsWhileCached()
    {
        var ctx = await WithBody100();

        using (var first = await ctx.Default.MatchAsync(Get(Url)))
        {
            Assert.Equal("HIT", first!.Headers.NonValidated["cf-cache-status"].ToString());
            Assert.Equal("0", first.Headers.NonValidated["Age"].ToString());
        }

        ctx.Time.Advance(TimeSpan.FromSeconds(4.5));
        using var later = await ctx.Default.MatchAsync(Get(Url));
        Assert.Equal("4", later!.Headers.NonValidated["Age"].ToString());
    }

    [Fact]
    public async Task Item36_StoredCfCacheStatusOrAge_IsNeverRepeated()
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url), Response("x", "s-maxage=100", 200, ("cf-cache-status", "MISS"), ("Age", "3")));
        ctx.Time.Advance(TimeSpan.FromSeconds(2));

        using var hit = await ctx.Default.MatchAsync(Get(Url));
        Assert.Equal(["HIT"], hit!.Headers.NonValidated["cf-cache-status"]);
        Assert.Equal(["5"], hit.Headers.NonValidated["Age"]);
    }

    private static async Task<CacheTestContext> WithBody100(params (string Name, string Value)[] headers)
    {
        var ctx = new CacheTestContext();
        Assert.True(await ctx.Default.PutAsync(Get(Url), Response(Body100, "s-maxage=100", 200, headers)));
        return ctx;
    }
}
