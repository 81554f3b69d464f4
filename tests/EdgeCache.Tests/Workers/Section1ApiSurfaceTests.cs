using System.Net;
using EdgeCache.Tests.CacheApi;
using Microsoft.Extensions.Logging;
using static EdgeCache.Tests.CacheApi.CacheTestContext;

namespace EdgeCache.Tests.Workers;

/// <summary>Spec section 1: API surface and argument rules (items 1-9).</summary>
public sealed class Section1ApiSurfaceTests
{
    private const string Url = "https://example.com/a";

    [Fact]
    public async Task Item01_CacheNameOf1024CharactersOrMore_IsRejected()
    {
        var ctx = new CacheTestContext();

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await ctx.Caches.OpenAsync(new string('n', 1024)));
        Assert.Contains("Cache name is too long.", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(async () => await ctx.Caches.OpenAsync(new string('n', 5000)));

        var longest = await ctx.Caches.OpenAsync(new string('n', 1023));
        Assert.True(await longest.PutAsync(Get(Url), Response("x")));
        Assert.NotNull(await longest.MatchAsync(Get(Url)));
    }

    [Fact]
    public async Task Item01_DefaultIsOneCache_AndOpenReturnsTheSameCacheForAName()
    {
        var ctx = new CacheTestContext();
        Assert.Same(ctx.Caches.Default, ctx.Caches.Default);
        Assert.Equal("default", ctx.Default.Name);
        Assert.Same(await ctx.Caches.OpenAsync("images"), await ctx.Caches.OpenAsync("images"));
    }

    [Fact]
    public async Task Item03_OnlyIgnoreMethodExists_SoTheQueryIsNeverIgnored()
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url + "?v=1"), Response("x"));

        Assert.Null(await ctx.Default.MatchAsync(Get(Url), new CacheQueryOptions { IgnoreMethod = true }));
        Assert.NotNull(await ctx.Default.MatchAsync(Get(Url + "?v=1")));
    }

    [Theory]
    [InlineData("/relative")]
    [InlineData("example.com/a")]
    [InlineData("ftp://example.com/a")]
    [InlineData("file:///etc/passwd")]
    public async Task Item04_KeyThatIsNotAnAbsoluteHttpUrl_IsRejectedByEveryOperation(string url)
    {
        var ctx = new CacheTestContext();
        var message = "Invalid URL. Cache API keys must be fully-qualified, valid URLs.";

        Assert.Contains(message, (await Assert.ThrowsAsync<ArgumentException>(() => ctx.Default.PutAsync(url, Response("x")))).Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => ctx.Default.MatchAsync(url));
        await Assert.ThrowsAsync<ArgumentException>(() => ctx.Default.DeleteAsync(url));
    }

    [Fact]
    public async Task Item04_FragmentIsNotStripped_SoItIsPartOfTheKey()
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url + "#top"), Response("with fragment"));

        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));
        using var hit = await ctx.Default.MatchAsync(Get(Url + "#top"));
        Assert.Equal("with fragment", await hit!.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Item04_QueryOrderMatters()
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url + "?a=1&b=2"), Response("x"));

        Assert.Null(await ctx.Default.MatchAsync(Get(Url + "?b=2&a=1")));
        Assert.NotNull(await ctx.Default.MatchAsync(Get(Url + "?a=1&b=2")));
    }

    [Fact]
    public async Task Item04_PathCaseMatters()
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get("https://example.com/Path"), Response("x"));

        Assert.Null(await ctx.Default.MatchAsync(Get("https://example.com/path")));
        Assert.NotNull(await ctx.Default.MatchAsync(Get("https://example.com/Path")));
    }

    [Fact]
    public async Task Item05_RequestHeadersAreNotPartOfTheKey()
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(Get(Url, ("Accept-Encoding", "gzip"), ("Cookie", "a=1")), Response("x"));

        Assert.NotNull(await ctx.Default.MatchAsync(Get(Url, ("Accept-Encoding", "br"), ("User-Agent", "other"))));
    }

    [Fact]
    public async Task Item06_DefaultAndNamedCachesAreDisjoint()
    {
        var ctx = new CacheTestContext();
        var a = await ctx.Caches.OpenAsync("a");
        var b = await ctx.Caches.OpenAsync("b");
        await ctx.Default.PutAsync(Get(Url), Response("default"));
        await a.PutAsync(Get(Url), Response("a"));

        using (var fromA = await a.MatchAsync(Get(Url)))
        {
            Assert.Equal("a", await fromA!.Content.ReadAsStringAsync());
        }

        using (var fromDefault = await ctx.Default.MatchAsync(Get(Url)))
        {
            Assert.Equal("default", await fromDefault!.Content.ReadAsStringAsync());
        }

        Assert.Null(await b.MatchAsync(Get(Url)));
        Assert.True(await a.DeleteAsync(Get(Url)));
        Assert.NotNull(await ctx.Default.MatchAsync(Get(Url)));
    }

    [Fact]
    public async Task Item06_CustomKeyOfTheDefaultCache_CannotReachANamedCache()
    {
        var ctx = new CacheTestContext();
        var named = await ctx.Caches.OpenAsync("x");
        await named.PutAsync(Get(Url), Response("named"));

        // The store key of the named cache, spelled out as a custom key of the default cache.
        var forged = Get(Url).WithCacheKey($"named:1:x:{Url}");
        Assert.Null(await ctx.Default.MatchAsync(forged));
        Assert.False(await ctx.Default.DeleteAsync(Get(Url).WithCacheKey($"named:1:x:{Url}")));
        Assert.NotNull(await named.MatchAsync(Get(Url)));

        Assert.True(await ctx.Default.PutAsync(Get(Url).WithCacheKey($"named:1:x:{Url}"), Response("default")));
        using var stillNamed = await named.MatchAsync(Get(Url));
        Assert.Equal("named", await stillNamed!.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Item09_ObjectAboveTheSizeLimit_IsNotStored_AndAWarningIsLogged()
    {
        var logger = new RecordingLogger();
        var ctx = new CacheTestContext(new CacheOptions { MaxObjectSize = 10 }, logger: logger);

        Assert.False(await ctx.Default.PutAsync(Get(Url), Response(new string('x', 11))));
        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("size limit", StringComparison.Ordinal));

        Assert.True(await ctx.Default.PutAsync(Get(Url), Response(new string('x', 10))));
    }

    [Fact]
    public async Task Item09_StreamedBodyOfUnknownLengthAboveTheLimit_IsNotStored()
    {
        var logger = new RecordingLogger();
        var ctx = new CacheTestContext(new CacheOptions { MaxObjectSize = 100 }, logger: logger);
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new UnknownLengthStream(1000)) };
        response.Headers.TryAddWithoutValidation("Cache-Control", "s-maxage=10");
        Assert.Null(response.Content.Headers.ContentLength);

        Assert.False(await ctx.Default.PutAsync(Get(Url), response));
        Assert.Null(await ctx.Default.MatchAsync(Get(Url)));
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning);
    }

    [Fact]
    public void Item09_DefaultObjectSizeLimit_Is512MB()
        => Assert.Equal(512L * 1024 * 1024, new CacheOptions().MaxObjectSize);

    /// <summary>A read-only stream that does not know its length (a chunked body).</summary>
    private sealed class UnknownLengthStream(int size) : Stream
    {
        private int _remaining = size;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(count, _remaining);
            Array.Fill(buffer, (byte)'z', offset, n);
            _remaining -= n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
