using System.Net;
using EdgeCache.Storage;

namespace EdgeCache.Tests.CacheApi;

public sealed class CacheTests
{
    private const string Url = "https://example.com/a";

    [Fact]
    public async Task Put_then_match_returns_the_stored_body_with_cf_cache_status_HIT()
    {
        var ctx = new CacheTestContext();
        Assert.True(await ctx.Default.PutAsync(CacheTestContext.Get(Url), CacheTestContext.Response("hello")));

        using var hit = await ctx.Default.MatchAsync(CacheTestContext.Get(Url));

        Assert.NotNull(hit);
        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        Assert.Equal("hello", await hit.Content.ReadAsStringAsync());
        Assert.Equal("HIT", hit.Headers.GetValues("cf-cache-status").Single());
        Assert.Equal(5, hit.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Put_stores_one_line_per_value_as_the_proxy_does_and_match_joins_them_as_Cloudflare_does()
    {
        var ctx = new CacheTestContext();
        var response = CacheTestContext.Response("hello", "s-maxage=10", headers: [("Link", "</a.css>; rel=preload"), ("Link", "</b.js>; rel=preload"), ("X-Multi", "one, two")]);
        Assert.True(await ctx.Default.PutAsync(CacheTestContext.Get(Url), response));

        var entry = await ctx.Store.GetAsync(Url);
        Assert.NotNull(entry);
        Assert.Equal(["</a.css>; rel=preload", "</b.js>; rel=preload"], entry.Metadata.Headers.Where(h => h.Key == "Link").Select(h => h.Value));
        Assert.Equal(["one, two"], entry.Metadata.Headers.Where(h => h.Key == "X-Multi").Select(h => h.Value));
        using var hit = await ctx.Default.MatchAsync(CacheTestContext.Get(Url));
        Assert.NotNull(hit);
        Assert.Equal(["</a.css>; rel=preload, </b.js>; rel=preload"], hit.Headers.NonValidated["Link"]);
    }

    [Fact]
    public async Task Match_on_an_empty_cache_returns_null()
    {
        var ctx = new CacheTestContext();
        Assert.Null(await ctx.Default.MatchAsync(CacheTestContext.Get(Url)));
    }

    [Theory]
    [InlineData("no-store")]
    [InlineData("private")]
    [InlineData("private, max-age=60")]
    public async Task Responses_marked_no_store_or_private_are_not_stored(string cacheControl)
    {
        var ctx = new CacheTestContext();
        Assert.False(await ctx.Default.PutAsync(CacheTestContext.Get(Url), CacheTestContext.Response("x", cacheControl)));
        Assert.Null(await ctx.Default.MatchAsync(CacheTestContext.Get(Url)));
    }

    [Theory]
    [InlineData("s-maxage=10", 10)]
    [InlineData("max-age=30", 30)]
    [InlineData("max-age=30, s-maxage=5", 5)]
    public async Task Freshness_comes_from_s_maxage_then_max_age(string cacheControl, int seconds)
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(CacheTestContext.Get(Url), CacheTestContext.Response("x", cacheControl));

        ctx.Time.Advance(TimeSpan.FromSeconds(seconds) - TimeSpan.FromMilliseconds(1));
        Assert.NotNull(await ctx.Default.MatchAsync(CacheTestContext.Get(Url)));
        ctx.Time.Advance(TimeSpan.FromMilliseconds(2));
        Assert.Null(await ctx.Default.MatchAsync(CacheTestContext.Get(Url)));
    }

    [Fact]
    public async Task Freshness_comes_from_Expires_minus_Date_when_there_is_no_max_age()
    {
        var ctx = new CacheTestContext();
        var now = ctx.Time.GetUtcNow();
        var response = CacheTestContext.Response("x", cacheControl: null);
        response.Headers.Date = now;
        response.Content.Headers.Expires = now.AddSeconds(20);
        await ctx.Default.PutAsync(CacheTestContext.Get(Url), response);

        ctx.Time.Advance(TimeSpan.FromSeconds(19));
        Assert.NotNull(await ctx.Default.MatchAsync(CacheTestContext.Get(Url)));
        ctx.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(await ctx.Default.MatchAsync(CacheTestContext.Get(Url)));
    }

    [Fact]
    public async Task An_origin_Age_shortens_the_lifetime_and_Age_grows_while_cached()
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(CacheTestContext.Get(Url), CacheTestContext.Response("x", "s-maxage=10", headers: ("Age", "7")));

        ctx.Time.Advance(TimeSpan.FromSeconds(2));
        using (var hit = await ctx.Default.MatchAsync(CacheTestContext.Get(Url)))
        {
            Assert.Equal("9", hit!.Headers.GetValues("Age").Single());
        }

        ctx.Time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Null(await ctx.Default.MatchAsync(CacheTestContext.Get(Url)));
    }

    [Fact]
    public async Task Only_GET_keys_match_unless_ignoreMethod()
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(CacheTestContext.Get(Url), CacheTestContext.Response("x"));
        var head = new HttpRequestMessage(HttpMethod.Head, Url);

        Assert.Null(await ctx.Default.MatchAsync(head));
        Assert.NotNull(await ctx.Default.MatchAsync(new HttpRequestMessage(HttpMethod.Head, Url), new CacheQueryOptions { IgnoreMethod = true }));
    }

    [Fact]
    public async Task Put_with_a_non_GET_key_throws()
    {
        var ctx = new CacheTestContext();
        var ex = await Assert.ThrowsAsync<ArgumentException>(() =>
            ctx.Default.PutAsync(new HttpRequestMessage(HttpMethod.Post, Url), CacheTestContext.Response("x")));
        Assert.Contains("non-GET", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Named_caches_are_disjoint_from_each_other_and_from_the_default_cache()
    {
        var ctx = new CacheTestContext();
        var a = await ctx.Caches.OpenAsync("a");
        var b = await ctx.Caches.OpenAsync("b");
        await a.PutAsync(CacheTestContext.Get(Url), CacheTestContext.Response("from a"));

        Assert.Null(await ctx.Default.MatchAsync(CacheTestContext.Get(Url)));
        Assert.Null(await b.MatchAsync(CacheTestContext.Get(Url)));
        Assert.Equal("from a", await (await a.MatchAsync(CacheTestContext.Get(Url)))!.Content.ReadAsStringAsync());
        Assert.Same(a, await ctx.Caches.OpenAsync("a"));
    }

    [Fact]
    public async Task A_cache_name_of_1024_characters_is_rejected()
    {
        var ctx = new CacheTestContext();
        await ctx.Caches.OpenAsync(new string('n', 1023));
        var ex = await Assert.ThrowsAsync<ArgumentException>(async () => await ctx.Caches.OpenAsync(new string('n', 1024)));
        Assert.Contains("too long", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_returns_true_once_then_false()
    {
        var ctx = new CacheTestContext();
        await ctx.Default.PutAsync(CacheTestContext.Get(Url), CacheTestContext.Response("x"));

        Assert.True(await ctx.Default.DeleteAsync(CacheTestContext.Get(Url)));
        Assert.False(await ctx.Default.DeleteAsync(CacheTestContext.Get(Url)));
        Assert.Null(await ctx.Default.MatchAsync(CacheTestContext.Get(Url)));
    }

    [Fact]
    public async Task A_body_larger_than_the_memory_budget_is_declined_and_the_store_does_not_grow()
    {
        var ctx = new CacheTestContext(storeOptions: new MemoryStoreOptions { SizeLimit = 64 * 1024 });
        await ctx.Default.PutAsync(CacheTestContext.Get(Url), CacheTestContext.Response("small"));

        var big = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new MemoryStream(new byte[200 * 1024])) };
        big.Headers.TryAddWithoutValidation("Cache-Control", "s-maxage=10");

        Assert.False(await ctx.Default.PutAsync(CacheTestContext.Get(Url + "/big"), big));
        Assert.Null(await ctx.Default.MatchAsync(CacheTestContext.Get(Url + "/big")));
        Assert.True(ctx.Store.Bytes <= 64 * 1024);
        Assert.NotNull(await ctx.Default.MatchAsync(CacheTestContext.Get(Url)));
    }

    [Fact]
    public async Task A_truncated_body_is_never_stored()
    {
        var ctx = new CacheTestContext();
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new MemoryStream(new byte[10])) };
        response.Content.Headers.ContentLength = 100;
        response.Headers.TryAddWithoutValidation("Cache-Control", "s-maxage=10");

        Assert.False(await ctx.Default.PutAsync(CacheTestContext.Get(Url), response));
        Assert.Null(await ctx.Default.MatchAsync(CacheTestContext.Get(Url)));
    }
}
