using Microsoft.AspNetCore.Http;

namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>RFC 9111 section 4.1: several variants per URL, selected by the request fields Vary names.</summary>
public sealed class VaryTests
{
    private static void LanguageRoute(ProxyHarness h, string path, string vary = "Accept-Language")
        => h.Origin.Route(path, async (ctx, hit) =>
        {
            ctx.Response.Headers.CacheControl = "max-age=60";
            ctx.Response.Headers.Vary = vary;
            await ctx.Response.WriteAsync($"{ctx.Request.Headers.AcceptLanguage} {ctx.Request.Headers.AcceptEncoding} #{hit}");
        });

    [Fact]
    public async Task Rfc9111_4_1_Each_variant_is_stored_and_selected_by_the_request_field()
    {
        await using var h = await ProxyHarness.StartAsync();
        LanguageRoute(h, "/v");

        var (_, en1) = await h.GetTextAsync("/v", ("Accept-Language", "en"));
        var (_, fr1) = await h.GetTextAsync("/v", ("Accept-Language", "fr"));
        var (enHit, en2) = await h.GetTextAsync("/v", ("Accept-Language", "en"));
        var (frHit, fr2) = await h.GetTextAsync("/v", ("Accept-Language", "fr"));
        var (_, none) = await h.GetTextAsync("/v");

        Assert.Equal("en  #1", en1);
        Assert.Equal("fr  #2", fr1);
        Assert.Equal(en1, en2);
        Assert.Equal(fr1, fr2);
        Assert.Contains("hit", enHit.CacheStatus());
        Assert.Contains("hit", frHit.CacheStatus());
        Assert.Equal("  #3", none);
        Assert.Equal(3, h.Origin.Hits("/v"));
    }

    [Fact]
    public async Task Rfc9111_4_1_Field_values_match_after_normalising_whitespace_and_case()
    {
        await using var h = await ProxyHarness.StartAsync();
        LanguageRoute(h, "/n", "Accept-Encoding");

        await h.GetAsync("/n", ("Accept-Encoding", "gzip, br"));
        var second = await h.GetAsync("/n", ("Accept-Encoding", "GZIP,br"));
        var third = await h.GetAsync("/n", ("Accept-Encoding", "  gzip ,   br "));
        var other = await h.GetAsync("/n", ("Accept-Encoding", "gzip;q=0.5, br"));

        Assert.Contains("hit", second.CacheStatus());
        Assert.Contains("hit", third.CacheStatus());
        Assert.Contains("vary-miss", other.CacheStatus());
        Assert.Equal(2, h.Origin.Hits("/n"));
    }

    [Fact]
    public async Task Rfc9111_4_1_Absent_field_matches_only_an_absent_field()
    {
        await using var h = await ProxyHarness.StartAsync();
        LanguageRoute(h, "/a");

        await h.GetAsync("/a");
        var empty = await h.GetAsync("/a", ("Accept-Language", ""));
        var absent = await h.GetAsync("/a");

        Assert.DoesNotContain("; hit", empty.CacheStatus());
        Assert.Contains("hit", absent.CacheStatus());
    }

    [Fact]
    public async Task Rfc9111_4_1_Vary_on_several_fields_needs_all_of_them_to_match()
    {
        await using var h = await ProxyHarness.StartAsync();
        LanguageRoute(h, "/m", "Accept-Language, Accept-Encoding");

        await h.GetAsync("/m", ("Accept-Language", "en"), ("Accept-Encoding", "gzip"));
        var same = await h.GetAsync("/m", ("Accept-Language", "en"), ("Accept-Encoding", "gzip"));
        var differs = await h.GetAsync("/m", ("Accept-Language", "en"), ("Accept-Encoding", "br"));

        Assert.Contains("hit", same.CacheStatus());
        Assert.DoesNotContain("; hit", differs.CacheStatus());
        Assert.Equal(2, h.Origin.Hits("/m"));
    }

    [Fact]
    public async Task Rfc9111_4_1_Vary_star_never_matches()
    {
        await using var h = await ProxyHarness.StartAsync();
        LanguageRoute(h, "/star", "*");

        await h.GetAsync("/star");
        var second = await h.GetAsync("/star");

        Assert.Equal(2, h.Origin.Hits("/star"));
        Assert.DoesNotContain("; hit", second.CacheStatus());
    }

    [Fact]
    public async Task Rfc9111_4_4_Invalidation_drops_every_variant()
    {
        await using var h = await ProxyHarness.StartAsync();
        LanguageRoute(h, "/inv");
        h.Origin.Route("/inv-post", (ctx, _) => Task.CompletedTask);

        await h.GetAsync("/inv", ("Accept-Language", "en"));
        await h.GetAsync("/inv", ("Accept-Language", "fr"));
        await h.SendAsync(HttpMethod.Post, "/inv");
        var en = await h.GetAsync("/inv", ("Accept-Language", "en"));
        var fr = await h.GetAsync("/inv", ("Accept-Language", "fr"));

        Assert.DoesNotContain("; hit", en.CacheStatus());
        Assert.DoesNotContain("; hit", fr.CacheStatus());
    }
}
