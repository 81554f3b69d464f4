using EdgeCache.Testing;
using static EdgeCache.Server.Tests.Security.AttackHarness;

namespace EdgeCache.Server.Tests.Security;

/// <summary>
/// Web cache deception (Omer Gil, 2017) and path-delimiter confusion ("Gotta cache 'em all", Mirheidari et
/// al., 2024): an origin that routes <c>/account/x.css</c> or <c>/account;x.css</c> to the account page gets a
/// victim's page stored because its URL looks static; the attacker then reads it.
/// </summary>
public sealed class CacheDeceptionAttackTests
{
    private static readonly (string, string)[] StaticByExtension = Rule(0,
        ("Match:Extensions:0", "css"), ("Match:Extensions:1", "js"), ("Match:Extensions:2", "png"), ("Action:EdgeTtl", "1d"));

    // An origin that ignores what follows the account path, as frameworks with loose routing do; its pages
    // carry no caching headers (a framework's default), only the edge TTL of a rule would store them.
    private static ReflectedResponse LooseAccountRouting(ReflectedRequest r)
        => r.Target.StartsWith("/account", StringComparison.Ordinal)
            ? ReflectedResponse.Reflect(r, 200, ("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", string.Empty))
            : ReflectedResponse.Reflect(r, 200, ("Content-Type", r.Target.EndsWith(".css", StringComparison.Ordinal) ? "text/css" : "text/plain"));

    // The same, with a Last-Modified that gives the page heuristic freshness (RFC 9111 section 4.2.2).
    private static ReflectedResponse LooseAccountRoutingWithLastModified(ReflectedRequest r)
        => r.Target.StartsWith("/account", StringComparison.Ordinal)
            ? ReflectedResponse.Reflect(r, 200, ("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", string.Empty), ("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT"))
            : ReflectedResponse.Reflect(r);

    [Theory]
    [InlineData("/account/nonexistent.css")]
    [InlineData("/account;x.css")]
    [InlineData("/account%3Bx.css")]
    [InlineData("/account%23x.css")]
    [InlineData("/account%3Fx.css")]
    [InlineData("/account%00x.css")]
    [InlineData("/account/x.js")]
    [InlineData("/account/avatar.png")]
    public async Task A_victims_page_served_for_a_static_looking_url_is_never_stored(string target)
    {
        await using var h = await StartAsync(StaticByExtension);
        h.Origin.Handler = LooseAccountRouting;

        await h.GetAsync(target, $"Cookie: session={VictimSecret}");
        var attacker = await h.GetAsync(target);

        AssertClean(attacker);
    }

    [Fact]
    public async Task With_default_extensions_only_a_page_that_is_not_a_style_sheet_is_not_stored_as_one()
    {
        await using var h = await StartAsync(("CacheDefaultExtensionsOnly", "true"));
        h.Origin.Handler = LooseAccountRoutingWithLastModified;

        await h.GetAsync("/account/x.css", $"Cookie: session={VictimSecret}");
        var attacker = await h.GetAsync("/account/x.css");

        AssertClean(attacker);
    }

    [Fact]
    public async Task A_real_style_sheet_is_still_cached_by_its_extension()
    {
        await using var h = await StartAsync(StaticByExtension);
        h.Origin.Handler = LooseAccountRouting;

        await h.GetAsync("/site.css");
        var second = await h.GetAsync("/site.css");

        Assert.Equal("HIT", second.Header("cf-cache-status"));
        Assert.Single(h.Origin.Requests);
    }

    [Fact]
    public async Task The_armour_can_be_turned_off_per_rule()
    {
        await using var h = await StartAsync([.. StaticByExtension, ("Rules:0:Action:DeceptionArmour", "false")]);
        h.Origin.Handler = r => ReflectedResponse.Reflect(r, 200, ("Content-Type", "text/html"));

        await h.GetAsync("/generated/x.css");
        var second = await h.GetAsync("/generated/x.css");

        Assert.Equal("HIT", second.Header("cf-cache-status"));
    }
}
