using System.Diagnostics.Metrics;
using EdgeCache.Testing;
using static EdgeCache.Server.Tests.Security.AttackHarness;

namespace EdgeCache.Server.Tests.Security;

/// <summary>
/// Private data across users: whatever the rules, the collapsing and the revalidation, one client's private
/// response, cookie or token never reaches another client.
/// </summary>
public sealed class PrivateDataAttackTests
{
    private static readonly (string, string)[] EverythingForADay = Rule(0, ("Match:Path", "/**"), ("Action:EdgeTtl", "1d"));

    [Theory]
    [InlineData("private")]
    [InlineData("no-store")]
    [InlineData("private, max-age=600")]
    [InlineData("no-store, max-age=600")]
    public async Task An_edge_ttl_rule_never_shares_what_the_origin_marked_private(string cacheControl)
    {
        await using var h = await StartAsync(EverythingForADay);
        h.Origin.Handler = r => ReflectedResponse.Reflect(r, 200, ("Cache-Control", cacheControl));

        await h.GetAsync("/me", $"Cookie: session={VictimSecret}");
        var clean = await h.GetAsync("/me");

        AssertClean(clean);
    }

    [Fact]
    public async Task An_edge_ttl_rule_never_shares_the_answer_to_an_authorized_request()
    {
        await using var h = await StartAsync(EverythingForADay);

        await h.GetAsync("/me", $"Authorization: Bearer {VictimSecret}");
        var clean = await h.GetAsync("/me");

        AssertClean(clean);
    }

    [Fact]
    public async Task Only_an_explicitly_dangerous_rule_shares_a_private_response()
    {
        await using var h = await StartAsync([.. EverythingForADay, ("Rules:0:Action:DangerouslyCachePrivate", "true")]);
        h.Origin.Handler = r => ReflectedResponse.Reflect(r, 200, ("Cache-Control", "private"));

        await h.GetAsync("/shared-on-purpose");
        var second = await h.GetAsync("/shared-on-purpose");

        Assert.Equal("HIT", second.Header("cf-cache-status"));
    }

    [Theory]
    [InlineData("public, max-age=600", "")]
    [InlineData("", "/**")]
    public async Task A_stored_copy_never_replays_Clear_Site_Data_to_other_clients(string cacheControl, string everythingRule)
    {
        // A logout page an origin marked public (or that a rule caches): every visitor served the stored copy would be
        // signed out and have their storage wiped.
        await using var h = await StartAsync(everythingRule.Length == 0 ? [] : Rule(0, ("Match:Path", everythingRule), ("Action:EdgeTtl", "1d")));
        h.Origin.Handler = r => ReflectedResponse.Reflect(r, 200, ("Cache-Control", cacheControl), ("Clear-Site-Data", "\"cookies\", \"storage\""));

        var first = await h.GetAsync("/signed-out");
        var second = await h.GetAsync("/signed-out");

        Assert.Contains("cookies", first.Header("Clear-Site-Data") ?? string.Empty, StringComparison.Ordinal);
        Assert.Equal("HIT", second.Header("cf-cache-status"));
        Assert.Null(second.Header("Clear-Site-Data"));
        Assert.Single(h.Origin.Requests);
    }

    [Fact]
    public async Task An_edge_ttl_rule_never_replays_a_victims_Set_Cookie()
    {
        await using var h = await StartAsync(EverythingForADay);
        var n = 0;
        h.Origin.Handler = r => ReflectedResponse.Reflect(r, 200, ("Set-Cookie", Interlocked.Increment(ref n) == 1 ? $"session={VictimSecret}; HttpOnly" : "session=fresh"));

        var victim = await h.GetAsync("/login-page");
        var clean = await h.GetAsync("/login-page");

        Assert.Contains(VictimSecret, victim.Header("Set-Cookie") ?? string.Empty, StringComparison.Ordinal);
        AssertClean(clean);
    }

    [Fact]
    public async Task By_default_a_cacheable_response_with_Set_Cookie_is_not_stored_and_each_client_gets_its_own_cookie()
    {
        await using var h = await StartAsync();
        var n = 0;
        h.Origin.Handler = r => ReflectedResponse.Reflect(r, 200, ("Cache-Control", "public, max-age=600"),
            ("Set-Cookie", Interlocked.Increment(ref n) == 1 ? $"sid={VictimSecret}" : "sid=someone-else"));

        var victim = await h.GetAsync("/home");
        var clean = await h.GetAsync("/home");

        Assert.Contains(VictimSecret, victim.Header("Set-Cookie") ?? string.Empty, StringComparison.Ordinal);
        AssertClean(clean);
        Assert.Equal("sid=someone-else", clean.Header("Set-Cookie"));
        Assert.Equal(2, h.Origin.Requests.Count);
    }

    [Fact]
    public async Task Store_without_keeps_the_page_cached_and_the_cookie_for_its_requester_only()
    {
        await using var h = await StartAsync(("SetCookie", "store-without"));
        h.Origin.Handler = r => ReflectedResponse.Reflect(r, 200, ("Cache-Control", "public, max-age=600"), ("Set-Cookie", $"sid={VictimSecret}"));

        var victim = await h.GetAsync("/home");
        var clean = await h.GetAsync("/home");

        Assert.Contains(VictimSecret, victim.Header("Set-Cookie") ?? string.Empty, StringComparison.Ordinal);
        Assert.Equal("HIT", clean.Header("cf-cache-status"));
        AssertClean(clean);
    }

    [Fact]
    public async Task Share_replays_the_cookie_as_documented_for_cookies_that_are_the_same_for_everyone()
    {
        await using var h = await StartAsync(("SetCookie", "share"));
        h.Origin.Handler = r => ReflectedResponse.Reflect(r, 200, ("Cache-Control", "public, max-age=600"), ("Set-Cookie", "consent=shown"));

        await h.GetAsync("/home");
        var second = await h.GetAsync("/home");

        Assert.Equal("HIT", second.Header("cf-cache-status"));
        Assert.Equal("consent=shown", second.Header("Set-Cookie"));
    }

    [Theory]
    [InlineData("public, max-age=0")]
    [InlineData("public, max-age=0, private=\"Set-Cookie\"")]
    public async Task A_304s_Set_Cookie_goes_to_its_requester_and_never_into_the_stored_response(string cacheControl)
    {
        await using var h = await StartAsync();
        h.Origin.Handler = r => r.Has("If-None-Match")
            ? new ReflectedResponse(304, r.Header("X-Roll") is null
                ? [("ETag", "\"v1\""), ("Cache-Control", cacheControl)]
                : [("ETag", "\"v1\""), ("Cache-Control", cacheControl), ("Set-Cookie", $"session={VictimSecret}")], [])
            : new ReflectedResponse(200, [("ETag", "\"v1\""), ("Cache-Control", cacheControl), ("Content-Type", "text/plain")], "page"u8.ToArray());

        await h.GetAsync("/rolling");
        var victim = await h.GetAsync("/rolling", "X-Roll: 1", $"Cookie: session={VictimSecret}");
        var clean = await h.GetAsync("/rolling");

        Assert.Equal("REVALIDATED", victim.Header("cf-cache-status"));
        Assert.Contains(VictimSecret, victim.Header("Set-Cookie") ?? string.Empty, StringComparison.Ordinal);
        Assert.Equal("REVALIDATED", clean.Header("cf-cache-status"));
        AssertClean(clean);
    }

    [Fact]
    public async Task A_collapsed_request_never_gets_the_leaders_uncacheable_private_answer()
    {
        await using var h = await StartAsync();
        using var joined = new SemaphoreSlim(0);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "edgecache.collapsed_requests")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, _, _) => joined.Release());
        listener.Start();
        h.Origin.Handler = r =>
        {
            if (r.Header("Cookie") is { } cookie && cookie.Contains(VictimSecret, StringComparison.Ordinal))
            {
                // Hold the leader's answer until the second request has joined its fetch.
                joined.Wait(TimeSpan.FromSeconds(5));
            }

            return ReflectedResponse.Reflect(r, 200, ("Cache-Control", "private"));
        };

        var victim = RawHttp.SendAsync(h.BaseUri, RawHttp.Get("/dash", $"Cookie: session={VictimSecret}"));
        await EventuallyAsync(() => !h.Origin.Requests.IsEmpty);
        var follower = await RawHttp.SendAsync(h.BaseUri, RawHttp.Get("/dash"));
        await victim;

        AssertClean(follower);
        Assert.Equal(200, follower.Status);
    }

    [Fact]
    public async Task Responses_that_vary_on_Cookie_are_never_served_across_cookies()
    {
        await using var h = await StartAsync();
        h.Origin.Handler = r => ReflectedResponse.Reflect(r, 200, ("Cache-Control", "public, max-age=600"), ("Vary", "Cookie"));

        await h.GetAsync("/varied", $"Cookie: session={VictimSecret}");
        var clean = await h.GetAsync("/varied", "Cookie: session=other");

        AssertClean(clean);
    }

    [Theory]
    [InlineData("private")]
    [InlineData("no-store")]
    public async Task The_example_handler_never_shares_a_private_response(string cacheControl)
    {
        await using var h = await StartAsync(("Handler", "example"));
        h.Origin.Handler = r => ReflectedResponse.Reflect(r, 200, ("Cache-Control", cacheControl));

        await h.GetAsync("/me", $"Cookie: session={VictimSecret}");
        var clean = await h.GetAsync("/me");

        AssertClean(clean);
    }

    private static async Task EventuallyAsync(Func<bool> condition)
    {
        for (var i = 0; i < 250 && !condition(); i++)
        {
            await Task.Delay(20);
        }

        Assert.True(condition(), "the condition did not hold in time");
    }
}
