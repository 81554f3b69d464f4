using EdgeCache.Testing;
using static EdgeCache.Server.Tests.Security.AttackHarness;

namespace EdgeCache.Server.Tests.Security;

/// <summary>
/// Poisoning through the origin's response: fields that contradict each other, odd <c>Vary</c> spellings,
/// targeted cache fields (RFC 9213) set against <c>Cache-Control</c>, partial-content fields where they do not
/// belong. Whatever the origin sends, one client's answer is never served to another when a reading of the
/// response forbids it, and a stored response never goes out with framing that misdescribes its body.
/// </summary>
public sealed class ResponsePoisoningAttackTests
{
    // One field line per '|', "Name: value" each.
    private static (string, string)[] Lines(string lines)
        => [.. lines.Split('|').Select(l => (l[..l.IndexOf(':', StringComparison.Ordinal)], l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()))];

    [Theory]
    [InlineData("Vary: *")]
    [InlineData("Vary: Accept-Language, *")]
    [InlineData("Vary: *, Accept-Language")]
    [InlineData("Vary: Accept-Language|Vary: *")]
    public async Task A_response_that_varies_on_star_is_never_stored_so_each_client_gets_its_own(string lines)
    {
        await using var h = await StartAsync();
        h.Origin.Handler = r => ReflectedResponse.Reflect(r, 200, [("Cache-Control", "public, max-age=600"), .. Lines(lines)]);

        await h.GetAsync("/star", $"Cookie: session={VictimSecret}", "Accept-Language: en");
        var clean = await h.GetAsync("/star", "Accept-Language: en");

        AssertClean(clean);
        Assert.Equal(2, h.Origin.Requests.Count);
    }

    [Theory]
    [InlineData("Vary:  ,ACCEPT-language ,  accept-LANGUAGE")]
    [InlineData("Vary: accept-language, Accept-Language")]
    [InlineData("Vary: X-Unused|Vary: Accept-Language")]
    [InlineData("Vary: ,,Accept-Language,,")]
    [InlineData("vary: Accept-Language")]
    public async Task Vary_spelt_with_odd_case_spacing_repeats_or_several_lines_still_keeps_each_variant_to_its_own_requests(string lines)
    {
        await using var h = await StartAsync();
        h.Origin.Handler = r => ReflectedResponse.Reflect(r, 200, [("Cache-Control", "public, max-age=600"), .. Lines(lines)]);

        // The victim's variant carries its secret in the field the response varies on.
        await h.GetAsync("/lang", $"Accept-Language: de-{VictimSecret}");
        var sameField = await h.GetAsync("/lang", $"Accept-Language: de-{VictimSecret}");
        var otherField = await h.GetAsync("/lang", "Accept-Language: en");
        var noField = await h.GetAsync("/lang");

        // Stored (so the test is not passing because nothing was kept), and selected by the field only.
        Assert.Equal("HIT", sameField.Header("cf-cache-status"));
        AssertClean(otherField);
        AssertClean(noField);
    }

    [Theory]
    [InlineData("X-Requested-With", "\u0001")]
    [InlineData("X-Requested-With", " \u0001 ")]
    [InlineData("Accept-Encoding", "\u0001")]
    [InlineData("X-Requested-With", "a\u001fx-other=\u0001")]
    public async Task A_control_character_in_a_varied_field_never_selects_the_variant_of_requests_without_the_field(string field, string value)
    {
        // Kestrel accepts controls other than CR, LF and NUL in a field value (RFC 9110 section 5.5 lets it). The
        // origin answers a request that has the field (an XHR fragment, a compressed body) differently from one
        // that has not; the attacker's must not be stored as the answer for everyone who sends no such field.
        await using var h = await StartAsync();
        h.Origin.Handler = r => ReflectedResponse.Reflect(r, 200, ("Cache-Control", "public, max-age=600"), ("Vary", field + ", X-Other"));

        var attack = await h.GetAsync("/fragment", $"{field}: {value}", $"X-Note: {AttackerMarker}");
        var clean = await h.GetAsync("/fragment");
        var again = await h.GetAsync("/fragment");

        Assert.Equal(200, attack.Status);
        AssertClean(clean);
        Assert.Equal("HIT", again.Header("cf-cache-status"));
    }

    [Theory]
    [InlineData("Cache-Control: public, max-age=600|Cache-Control: no-store")]
    [InlineData("Cache-Control: no-store|Cache-Control: public, max-age=600")]
    [InlineData("Cache-Control: public, max-age=600|Cache-Control: private")]
    [InlineData("Cache-Control: private|Cache-Control: public, s-maxage=600")]
    [InlineData("Cache-Control: s-maxage=600, private")]
    [InlineData("Cache-Control: public, max-age=600|Cache-Control: no-cache")]
    [InlineData("Cache-Control: public, max-age=600, max-age=0")]
    [InlineData("Cache-Control: public, max-age=600|Pragma: no-cache|Cache-Control: no-store")]
    public async Task Conflicting_Cache_Control_lines_are_read_the_safe_way_and_never_share_a_response(string lines)
    {
        await using var h = await StartAsync();
        h.Origin.Handler = r => ReflectedResponse.Reflect(r, 200, Lines(lines));

        await h.GetAsync("/conflict", $"Cookie: session={VictimSecret}");
        var clean = await h.GetAsync("/conflict");

        AssertClean(clean);
        Assert.Equal(2, h.Origin.Requests.Count);
    }

    [Theory]
    [InlineData("CDN-Cache-Control")]
    [InlineData("Surrogate-Control")]
    [InlineData("EdgeCache-Cache-Control")]
    public async Task A_targeted_cache_field_never_shares_the_answer_to_an_authorized_request_without_public(string field)
    {
        await using var h = await StartAsync();
        h.Origin.Handler = r => ReflectedResponse.Reflect(r, 200, ("Cache-Control", "private"), (field, "max-age=600"));

        // RFC 9213 lets the targeted field replace Cache-Control for this cache, but RFC 9111 section 3.5 still
        // wants public, s-maxage or must-revalidate before an authorized answer is shared.
        await h.GetAsync("/auth", $"Authorization: Bearer {VictimSecret}");
        var clean = await h.GetAsync("/auth");

        AssertClean(clean);
    }

    [Theory]
    [InlineData("CDN-Cache-Control")]
    [InlineData("Surrogate-Control")]
    [InlineData("EdgeCache-Cache-Control")]
    public async Task A_targeted_cache_field_never_makes_a_victims_Set_Cookie_replay_to_others(string field)
    {
        await using var h = await StartAsync();
        var n = 0;
        h.Origin.Handler = r => ReflectedResponse.Reflect(r, 200, ("Cache-Control", "no-cache"), (field, "public, max-age=600"),
            ("Set-Cookie", Interlocked.Increment(ref n) == 1 ? $"sid={VictimSecret}" : "sid=someone-else"));

        var victim = await h.GetAsync("/cookie");
        var clean = await h.GetAsync("/cookie");

        Assert.Contains(VictimSecret, victim.Header("Set-Cookie") ?? string.Empty, StringComparison.Ordinal);
        AssertClean(clean);
        Assert.Equal("sid=someone-else", clean.Header("Set-Cookie"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_stored_200_that_carries_a_Content_Range_never_lends_it_to_a_206_made_from_it(bool fromStore)
    {
        // The origin's 200 says "bytes 0-3/10" for a 10-byte body: meaningless on a 200 (RFC 9110 section 14.4).
        // A 206 built from the stored copy must describe its own bytes only; a multipart one has no top-level
        // Content-Range at all (section 14.6), or a client reads the whole multipart body as bytes 0-3.
        await using var h = await StartAsync();
        h.Origin.Handler = _ => new ReflectedResponse(200,
            [("Cache-Control", "public, max-age=600"), ("Content-Range", "bytes 0-3/10"), ("Content-Type", "text/plain"), ("ETag", "\"v1\"")], "0123456789"u8.ToArray());
        if (fromStore)
        {
            await h.GetAsync("/cr");
        }

        var single = await h.GetAsync("/cr", "Range: bytes=2-5");
        var multi = await h.GetAsync("/cr", "Range: bytes=0-1,6-7");

        Assert.Equal(206, single.Status);
        Assert.Equal(["bytes 2-5/10"], ContentRanges(single));
        Assert.Equal("2345", single.Text);
        Assert.Equal(206, multi.Status);
        Assert.Empty(ContentRanges(multi));
        Assert.StartsWith("multipart/byteranges", multi.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Contains("Content-Range: bytes 0-1/10\r\n\r\n01\r\n", multi.Text, StringComparison.Ordinal);
        Assert.Contains("Content-Range: bytes 6-7/10\r\n\r\n67\r\n", multi.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_206_answered_to_a_request_without_Range_is_never_served_as_the_whole_object()
    {
        await using var h = await StartAsync();
        var n = 0;
        h.Origin.Handler = r => Interlocked.Increment(ref n) == 1
            ? new ReflectedResponse(206, [("Cache-Control", "public, max-age=600"), ("Content-Range", "bytes 0-3/10"), ("Content-Type", "text/plain"), ("ETag", "\"v1\"")], "0123"u8.ToArray())
            : new ReflectedResponse(200, [("Cache-Control", "public, max-age=600"), ("Content-Type", "text/plain"), ("ETag", "\"v1\"")], "0123456789"u8.ToArray());

        var odd = await h.GetAsync("/part");
        var next = await h.GetAsync("/part");

        // The odd 206 goes to its requester as it came; the next plain GET is not answered from those 4 bytes.
        Assert.Equal(206, odd.Status);
        Assert.Equal(200, next.Status);
        Assert.Equal("0123456789", next.Text);
        Assert.Equal(2, h.Origin.Requests.Count);
    }

    private static string[] ContentRanges(RawResponse response)
        => [.. response.Headers.Where(x => x.Name.Equals("Content-Range", StringComparison.OrdinalIgnoreCase)).Select(x => x.Value)];
}
