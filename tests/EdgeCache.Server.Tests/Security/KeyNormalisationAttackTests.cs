using EdgeCache.Testing;
using static EdgeCache.Server.Tests.Security.AttackHarness;

namespace EdgeCache.Server.Tests.Security;

/// <summary>
/// Key normalisation and path confusion: the cache key, the rule match and the URL sent to the origin must
/// read one target the same way, or an attacker stores one page under another page's key, or walks past a rule.
/// </summary>
public sealed class KeyNormalisationAttackTests
{
    private static ReflectedResponse AccountPage(ReflectedRequest r)
        => r.Target == "/account"
            ? ReflectedResponse.Reflect(r, 200, ("Cache-Control", "private"), ("Content-Type", "text/html"))
            : ReflectedResponse.Reflect(r);

    [Fact]
    public async Task Double_encoded_dot_segments_reach_the_origin_as_sent_never_decoded_twice()
    {
        await using var h = await StartAsync();

        var response = await h.GetAsync("/norm/%252e%252e/b");

        Assert.Equal(200, response.Status);
        Assert.Equal("/norm/%252e%252e/b", h.Origin.Requests.Single().Target);
    }

    [Fact]
    public async Task A_static_rule_cannot_be_made_to_store_a_victims_account_page_under_the_account_key()
    {
        await using var h = await StartAsync(Rule(0, ("Match:Path", "/static/**"), ("Action:EdgeTtl", "1d")));
        h.Origin.Handler = AccountPage;

        await h.GetAsync("/static/%252e%252e/account", $"Cookie: session={VictimSecret}");
        var clean = await h.GetAsync("/account");

        AssertClean(clean);
        Assert.DoesNotContain(h.Origin.Requests, r => r.Target == "/account" && r.Header("Cookie") is not null);
    }

    [Theory]
    [InlineData("/x/%252e%252e/api/secret", "/x/%252e%252e/api/secret")]
    [InlineData("/x/..%2Fapi/secret", "/x/..%2Fapi/secret")]
    [InlineData("/x/..%2fapi/secret", "/x/..%2Fapi/secret")]
    [InlineData("/x\\..\\api/secret", "/api/secret")]
    [InlineData("/x/%2e%2e/api/secret", "/api/secret")]
    public async Task A_bypass_rule_is_not_sidestepped_by_encoded_dots_or_slashes(string target, string forwarded)
    {
        await using var h = await StartAsync(Rule(0, ("Match:Path", "/api/**"), ("Action:Bypass", "true")));

        var first = await h.GetAsync(target);
        var second = await h.GetAsync(target);

        // Either the origin got exactly the path the rule was matched against, or the rule saw what an
        // origin that decodes it would route to (/api/secret) and bypassed the cache.
        Assert.Equal(forwarded, h.Origin.Requests.First().Target);
        var routesToApi = !forwarded.Contains("%252e", StringComparison.Ordinal);
        if (routesToApi)
        {
            Assert.Equal("BYPASS", first.Header("cf-cache-status"));
            Assert.Equal("BYPASS", second.Header("cf-cache-status"));
        }
    }

    [Theory]
    [InlineData("/p/a%252Fb?x=%253F", "/p/a%252Fb?x=%253F")]
    [InlineData("/p/a%2Fb?x=%3F%23", "/p/a%2Fb?x=%3F%23")]
    [InlineData("/p/%2f%3f", "/p/%2F%3F")]
    [InlineData("/p/%41%62c", "/p/Abc")]
    [InlineData("/p/%C0%AE%C0%AE/x", "/p/%C0%AE%C0%AE/x")]
    [InlineData("/p/caf%C3%A9", "/p/caf%C3%A9")]
    [InlineData("/p/a/./b/../c", "/p/a/c")]
    [InlineData("/p/%zz", "/p/%25zz")]
    public async Task The_origin_receives_the_one_documented_normalisation_of_the_target(string target, string forwarded)
    {
        await using var h = await StartAsync();

        await h.GetAsync(target);

        Assert.Equal(forwarded, h.Origin.Requests.Single().Target);
    }

    [Theory]
    [InlineData("/k/%41bc", "/k/Abc")]
    [InlineData("/k/a%2fb", "/k/a%2Fb")]
    [InlineData("/k/x/../y", "/k/y")]
    [InlineData("/k/x/%2e%2e/y", "/k/y")]
    public async Task Equivalent_targets_share_one_key_and_one_origin_request(string first, string second)
    {
        await using var h = await StartAsync();

        await h.GetAsync(first);
        var hit = await h.GetAsync(second);

        Assert.Equal("HIT", hit.Header("cf-cache-status"));
        Assert.Single(h.Origin.Requests);
    }

    [Fact]
    public async Task Double_encoding_gives_a_key_of_its_own_so_a_poisoned_copy_never_serves_the_real_path()
    {
        await using var h = await StartAsync();

        await h.GetAsync("/d/%252e%252e/home", $"X-Note: {AttackerMarker}");
        var clean = await h.GetAsync("/home");

        AssertClean(clean);
        Assert.Equal("MISS", clean.Header("cf-cache-status"));
    }

    [Fact]
    public async Task Backslash_traversal_is_read_as_the_origin_reads_it_so_a_static_rule_does_not_apply()
    {
        await using var h = await StartAsync(Rule(0, ("Match:Path", "/static/**"), ("Action:EdgeTtl", "1d")));
        h.Origin.Handler = AccountPage;

        await h.GetAsync("/static\\..\\account", $"Cookie: session={VictimSecret}");
        var clean = await h.GetAsync("/account");

        Assert.Equal("/account", h.Origin.Requests.First().Target);
        AssertClean(clean);
    }

    [Fact]
    public async Task An_absolute_form_target_cannot_choose_the_host_of_the_key_or_of_the_origin_request()
    {
        await using var h = await StartAsync();

        var attack = await h.SendAsync("GET http://evil.example/abs HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n");
        var clean = await h.GetAsync("/abs");

        Assert.All(h.Origin.Requests, r => Assert.DoesNotContain("evil.example", System.Text.Encoding.Latin1.GetString(r.Raw), StringComparison.OrdinalIgnoreCase));
        Assert.All(h.Origin.Requests, r => Assert.Equal("/abs", r.Target));
        Assert.DoesNotContain("evil.example", clean.Text, StringComparison.OrdinalIgnoreCase);
        Assert.True(attack.Status is 200 or 400, $"status {attack.Status}");
    }

    [Fact]
    public async Task An_encoded_NUL_is_refused_or_forwarded_encoded_never_cut()
    {
        await using var h = await StartAsync();

        var response = await h.GetAsync("/p/%00x");

        if (response.Status == 400)
        {
            Assert.Empty(h.Origin.Requests);
        }
        else
        {
            Assert.Equal("/p/%00x", h.Origin.Requests.Single().Target);
        }
    }

    [Fact]
    public async Task A_path_that_looks_like_a_network_path_stays_a_path_on_the_origin()
    {
        await using var h = await StartAsync();

        var response = await h.GetAsync("//evil.example/x");

        Assert.Equal(200, response.Status);
        Assert.Equal("//evil.example/x", h.Origin.Requests.Single().Target);
    }

    [Fact]
    public async Task The_example_handler_never_sends_a_network_path_to_another_host()
    {
        await using var h = await StartAsync(("Handler", "example"));

        var response = await h.GetAsync("//evil.example/x");

        Assert.Equal(200, response.Status);
        Assert.Equal("//evil.example/x", h.Origin.Requests.Single().Target);
    }

    [Fact]
    public async Task The_example_handler_decodes_the_path_at_most_once()
    {
        await using var h = await StartAsync(("Handler", "example"));

        await h.GetAsync("/norm/%252e%252e/b");

        Assert.Equal("/norm/%252e%252e/b", h.Origin.Requests.Single().Target);
    }
}
