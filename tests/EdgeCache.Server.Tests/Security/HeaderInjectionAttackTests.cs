using System.Text;
using EdgeCache.Testing;
using static EdgeCache.Server.Tests.Security.AttackHarness;

namespace EdgeCache.Server.Tests.Security;

/// <summary>
/// Header injection and response splitting: CR, LF, NUL and obs-fold in request and response fields, and
/// encoded CR/LF in the target. No request field line the client did not write as one reaches the origin, no
/// response field line the origin did not write as one reaches a client, and the fields EdgeCache adds itself
/// (Via, Cache-Status, cf-cache-status, Age, X-Forwarded-*) never carry the client's bytes.
/// </summary>
public sealed class HeaderInjectionAttackTests
{
    [Theory]
    [InlineData("X-A: a\rX-Injected: b")]
    [InlineData("X-A: a\0b")]
    [InlineData("X-A: a\r\n b")]
    [InlineData("X-A: a\r\n\tb")]
    [InlineData("X-A : b")]
    [InlineData("X-A")]
    [InlineData("\tX-A: b")]
    [InlineData(" X-A: b")]
    public async Task A_request_field_with_a_bare_CR_a_NUL_obs_fold_or_no_colon_is_refused_before_the_origin(string line)
    {
        await using var h = await StartAsync();

        var response = await h.SendAsync($"GET /inject HTTP/1.1\r\nHost: 127.0.0.1\r\n{line}\r\nConnection: close\r\n\r\n");

        Assert.Equal(400, response.Status);
        Assert.Empty(h.Origin.Requests);
    }

    [Theory]
    [InlineData("X-A: a\nX-Second: b")]
    [InlineData("X-A: a\u0001b")]
    [InlineData("X-A: a\u000Bb")]
    [InlineData("X-A: a\u007Fb")]
    [InlineData("X-A: a\u00FFb")]
    [InlineData("X-A: a\tb")]
    public async Task An_accepted_odd_request_field_reaches_the_origin_in_well_formed_lines_only(string line)
    {
        await using var h = await StartAsync();

        var response = await h.SendAsync($"GET /odd HTTP/1.1\r\nHost: 127.0.0.1\r\n{line}\r\nConnection: close\r\n\r\n");

        // Kestrel reads a bare LF as the end of a line (RFC 9112 section 2.2 allows it) and keeps other controls
        // in a value (RFC 9110 section 5.5 allows that too): whatever it accepted, the proxy writes every line
        // to the origin ending in CRLF, with no CR or LF inside.
        Assert.Equal(200, response.Status);
        var head = Encoding.Latin1.GetString(h.Origin.Requests.Single().Raw).Split("\r\n\r\n", 2)[0];
        Assert.DoesNotContain('\n', head.Replace("\r\n", string.Empty, StringComparison.Ordinal));
        Assert.DoesNotContain('\r', head.Replace("\r\n", string.Empty, StringComparison.Ordinal));
        Assert.DoesNotContain('\0', head);
    }

    [Theory]
    [InlineData("a\rSet-Cookie: sid=" + VictimSecret)]
    [InlineData("a\r\n Set-Cookie: sid=" + VictimSecret)]
    [InlineData("a\r\n\tSet-Cookie: sid=" + VictimSecret)]
    [InlineData("a\0Set-Cookie: sid=" + VictimSecret)]
    [InlineData("a\nSet-Cookie: sid=" + VictimSecret)]
    public async Task A_response_field_broken_by_CR_LF_NUL_or_obs_fold_never_becomes_a_stored_Set_Cookie_line(string value)
    {
        await using var h = await StartAsync();
        h.Origin.Handler = r => ReflectedResponse.Reflect(r, 200, ("X-Up", value));

        var first = await h.GetAsync("/split");
        var second = await h.GetAsync("/split");

        // Either the field stays one (inert) value, CR, NUL and folds made spaces (RFC 9112 sections 2.2 and 5.2),
        // or a bare LF ended the line and the Set-Cookie is a real one, which keeps the response out of the store.
        foreach (var response in new[] { first, second })
        {
            var head = Encoding.Latin1.GetString(response.Raw).Split("\r\n\r\n", 2)[0];
            Assert.DoesNotContain('\0', head);
            Assert.DoesNotContain('\r', head.Replace("\r\n", string.Empty, StringComparison.Ordinal));
            Assert.DoesNotContain('\n', head.Replace("\r\n", string.Empty, StringComparison.Ordinal));
        }

        if (second.Header("cf-cache-status") == "HIT")
        {
            Assert.Null(second.Header("Set-Cookie"));
        }
    }

    [Theory]
    [InlineData("/inject/%0d%0aX-Injected:%20" + AttackerMarker)]
    [InlineData("/inject/%0D%0ASet-Cookie:%20sid=" + AttackerMarker)]
    [InlineData("/inject?q=%0d%0aX-Injected:%20" + AttackerMarker)]
    [InlineData("/inject/%E5%98%8A%E5%98%8DX-Injected:%20" + AttackerMarker)]
    [InlineData("/inject/%c4%8d%c4%8aX-Injected:%20" + AttackerMarker)]
    public async Task Encoded_CR_LF_in_the_target_stays_encoded_and_never_becomes_a_field_line(string target)
    {
        await using var h = await StartAsync();

        var response = await h.GetAsync(target);

        // The last two are the "Unicode CRLF" of CVE-2019-9740-style splitting: U+560A/U+560D and U+010D/U+010A
        // whose low bytes are CR and LF; a decoder that narrows them to bytes would split the line.
        Assert.Equal(200, response.Status);
        var received = h.Origin.Requests.Single();
        Assert.DoesNotContain(received.Headers, x => x.Name is "X-Injected" or "Set-Cookie");
        Assert.DoesNotContain('\r', received.Target);
        Assert.DoesNotContain('\n', received.Target);
        Assert.Contains('%', received.Target);
        Assert.DoesNotContain(response.Headers, x => x.Name.Equals("X-Injected", StringComparison.OrdinalIgnoreCase) || x.Name.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task The_fields_EdgeCache_adds_carry_none_of_the_clients_bytes()
    {
        await using var h = await StartAsync();
        var marker = AttackerMarker;

        var miss = await h.GetAsync($"/added/{marker}?q={marker}", $"User-Agent: {marker}", $"X-Note: {marker}", $"Cache-Control: max-age=0, x-{marker}", $"Referer: http://x/{marker}");
        var hit = await h.GetAsync($"/added/{marker}?q={marker}", $"User-Agent: {marker}", $"Cache-Control: x-{marker}");

        foreach (var response in new[] { miss, hit })
        {
            foreach (var name in new[] { "Via", "Cache-Status", "cf-cache-status", "Age", "Server" })
            {
                Assert.DoesNotContain(marker, response.Header(name) ?? string.Empty, StringComparison.Ordinal);
            }
        }

        var received = h.Origin.Requests.Single();
        foreach (var name in new[] { "Via", "X-Forwarded-For", "X-Forwarded-Proto", "Forwarded" })
        {
            Assert.DoesNotContain(marker, received.Header(name) ?? string.Empty, StringComparison.Ordinal);
        }
    }
}
