using EdgeCache.Testing;
using static EdgeCache.Server.Tests.Security.AttackHarness;

namespace EdgeCache.Server.Tests.Security;

/// <summary>
/// Cache-poisoned denial of service (Nguyen, Lo Iacono and Federrath, CCS 2019): a request the cache accepts
/// but the origin refuses (an oversized header, a meta character, a method override) must not leave the
/// origin's error page stored for everyone.
/// </summary>
public sealed class CpdosAttackTests
{
    private static readonly (string, string)[] EverythingForADay = Rule(0, ("Match:Path", "/**"), ("Action:EdgeTtl", "1d"));

    // An origin with smaller header limits than the cache (HHO), or that refuses a character (HMC).
    private static ReflectedResponse StrictOrigin(ReflectedRequest r)
        => r.Headers.Any(h => h.Value.Length > 4096) ? ReflectedResponse.Reflect(r, 400)
            : r.Headers.Any(h => h.Value.Contains('\\', StringComparison.Ordinal)) ? ReflectedResponse.Reflect(r, 400)
            : r.Has("X-Oversized-Ok") ? ReflectedResponse.Reflect(r, 431)
            : ReflectedResponse.Reflect(r);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_oversized_header_error_is_not_stored_for_everyone(bool withEdgeTtlRule)
    {
        await using var h = await StartAsync(withEdgeTtlRule ? EverythingForADay : []);
        h.Origin.Handler = StrictOrigin;

        var attack = await h.GetAsync("/hho", $"X-Big: {new string('a', 6000)}");
        var clean = await h.GetAsync("/hho");

        Assert.Equal(400, attack.Status);
        Assert.Equal(200, clean.Status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_meta_character_error_is_not_stored_for_everyone(bool withEdgeTtlRule)
    {
        await using var h = await StartAsync(withEdgeTtlRule ? EverythingForADay : []);
        h.Origin.Handler = StrictOrigin;

        await h.GetAsync("/hmc", "X-Meta: a\\b");
        var clean = await h.GetAsync("/hmc");

        Assert.Equal(200, clean.Status);
    }

    [Fact]
    public async Task A_431_or_other_client_error_is_not_pinned_by_a_plain_edge_ttl()
    {
        await using var h = await StartAsync(EverythingForADay);
        h.Origin.Handler = StrictOrigin;

        await h.GetAsync("/431", "X-Oversized-Ok: 1");
        var clean = await h.GetAsync("/431");

        Assert.Equal(200, clean.Status);
    }

    [Fact]
    public async Task A_method_override_error_is_not_stored_for_everyone()
    {
        await using var h = await StartAsync(EverythingForADay);
        h.Origin.Handler = r => r.Has("X-HTTP-Method-Override") || r.Has("X-HTTP-Method") || r.Has("X-Method-Override")
            ? ReflectedResponse.Reflect(r, 405)
            : ReflectedResponse.Reflect(r);

        await h.GetAsync("/hmo", "X-HTTP-Method-Override: POST", "X-HTTP-Method: POST", "X-Method-Override: POST");
        var clean = await h.GetAsync("/hmo");

        Assert.Equal(200, clean.Status);
    }

    [Fact]
    public async Task An_invalid_range_does_not_store_the_origins_416_for_everyone()
    {
        await using var h = await StartAsync(EverythingForADay);
        h.Origin.Handler = r => r.Has("Range") ? ReflectedResponse.Reflect(r, 416) : ReflectedResponse.Reflect(r);

        await h.GetAsync("/range", "Range: bytes=999999-");
        var clean = await h.GetAsync("/range");

        Assert.Equal(200, clean.Status);
    }

    [Fact]
    public async Task Headers_beyond_the_servers_limit_are_refused_before_the_origin()
    {
        await using var h = await StartAsync();

        var response = await h.GetAsync("/huge", $"X-Huge: {new string('a', 40_000)}");

        Assert.Equal(431, response.Status);
        Assert.Empty(h.Origin.Requests);
    }
}
