using System.Net;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Server.Tests.Proxy;

/// <summary>
/// RFC 9111 section 4.1 lets a cache normalise the varied request fields: Accept-Encoding and Accept-Language
/// values that mean the same select the same variant; cache rules choose per field (normalize, pass-through, bypass).
/// </summary>
public sealed class VaryNormalisationTests
{
    private static void Route(ProxyHarness h, string path, string vary)
        => h.Origin.Route(path, async (ctx, hit) =>
        {
            ctx.Response.Headers.CacheControl = "max-age=60";
            ctx.Response.Headers.Vary = vary;
            await ctx.Response.WriteAsync($"#{hit}");
        });

    [Fact]
    public async Task Rfc9111_4_1_Accept_Encoding_in_another_order_case_or_spacing_selects_the_same_variant()
    {
        await using var h = await ProxyHarness.StartAsync();
        Route(h, "/ae", "Accept-Encoding");

        var (_, first) = await h.GetTextAsync("/ae", ("Accept-Encoding", "gzip, deflate, br"));
        var (reordered, second) = await h.GetTextAsync("/ae", ("Accept-Encoding", "BR,gzip ,  deflate"));
        var (weighted, third) = await h.GetTextAsync("/ae", ("Accept-Encoding", "deflate;q=1.0, br, gzip;q=1"));
        var (_, other) = await h.GetTextAsync("/ae", ("Accept-Encoding", "gzip;q=0.5, deflate, br"));

        Assert.Equal("#1", first);
        Assert.Equal("#1", second);
        Assert.Equal("#1", third);
        Assert.Equal("HIT", reordered.CfStatus());
        Assert.Equal("HIT", weighted.CfStatus());
        Assert.Equal("#2", other);
        Assert.Equal(2, h.Origin.Hits("/ae"));
    }

    [Fact]
    public async Task Rfc9111_4_1_Accept_Language_with_equal_ranks_in_another_order_selects_the_same_variant_but_another_ranking_does_not()
    {
        await using var h = await ProxyHarness.StartAsync();
        Route(h, "/al", "Accept-Language");

        var (_, first) = await h.GetTextAsync("/al", ("Accept-Language", "en-GB, de;q=0.5, fr;q=0.5"));
        var (_, same) = await h.GetTextAsync("/al", ("Accept-Language", "fr;q=0.5,de;q=0.50, EN-gb"));
        var (_, ranked) = await h.GetTextAsync("/al", ("Accept-Language", "en-GB, de;q=0.5, fr;q=0.4"));

        Assert.Equal("#1", first);
        Assert.Equal("#1", same);
        Assert.Equal("#2", ranked);
    }

    [Fact]
    public async Task Rfc9111_4_1_A_rule_can_pass_a_varied_field_through_unnormalised()
    {
        await using var h = await ProxyHarness.StartAsync(
            ("Rules:0:Match:Path", "/exact/**"),
            ("Rules:0:Action:Vary:Accept-Language", "pass-through"));
        Route(h, "/exact/al", "Accept-Language");

        var (_, first) = await h.GetTextAsync("/exact/al", ("Accept-Language", "en, fr"));
        var (_, reordered) = await h.GetTextAsync("/exact/al", ("Accept-Language", "fr, en"));
        var (_, again) = await h.GetTextAsync("/exact/al", ("Accept-Language", "en, fr"));

        Assert.Equal("#1", first);
        Assert.Equal("#2", reordered);
        Assert.Equal("#1", again);
    }

    [Fact]
    public async Task Rfc9111_4_1_A_rule_can_normalise_any_varied_field_as_a_weighted_list()
    {
        await using var h = await ProxyHarness.StartAsync(
            ("Rules:0:Match:Path", "/norm/**"),
            ("Rules:0:Action:Vary:X-Features", "normalize"));
        Route(h, "/norm/x", "X-Features");
        Route(h, "/plain", "X-Features");

        var (_, first) = await h.GetTextAsync("/norm/x", ("X-Features", "a, b"));
        var (_, reordered) = await h.GetTextAsync("/norm/x", ("X-Features", "B,A"));
        await h.GetTextAsync("/plain", ("X-Features", "a, b"));
        var (_, plain) = await h.GetTextAsync("/plain", ("X-Features", "b, a"));

        Assert.Equal("#1", first);
        Assert.Equal("#1", reordered);
        Assert.Equal("#2", plain);
    }

    [Fact]
    public async Task Rfc9111_4_1_A_rule_that_bypasses_a_varied_field_never_stores_responses_varying_on_it()
    {
        await using var h = await ProxyHarness.StartAsync(
            ("Rules:0:Match:Path", "/**"),
            ("Rules:0:Action:Vary:User-Agent", "bypass"));
        Route(h, "/ua", "Accept-Encoding, User-Agent");
        Route(h, "/ae-only", "Accept-Encoding");

        var (_, first) = await h.GetTextAsync("/ua", ("User-Agent", "x"));
        var (second, body) = await h.GetTextAsync("/ua", ("User-Agent", "x"));
        await h.GetTextAsync("/ae-only", ("User-Agent", "x"));
        var aeHit = await h.GetAsync("/ae-only", ("User-Agent", "y"));

        Assert.Equal("#1", first);
        Assert.Equal("#2", body);
        Assert.NotEqual("HIT", second.CfStatus());
        Assert.Equal("HIT", aeHit.CfStatus());
    }

    [Fact]
    public async Task A_bad_Vary_handling_in_a_rule_stops_the_server_with_a_message_naming_it()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => ProxyHarness.StartAsync(
            ("Rules:0:Name", "langs"),
            ("Rules:0:Action:Vary:Accept-Language", "sometimes")));

        Assert.Contains("Action.Vary:Accept-Language must be 'normalize', 'pass-through' or 'bypass', not 'sometimes'", error.ToString());
    }
}
