using System.Text;
using EdgeCache.Testing;
using static EdgeCache.Server.Tests.Security.AttackHarness;

namespace EdgeCache.Server.Tests.Security;

/// <summary>
/// The purge endpoint from an attacker's side: near-miss tokens, tokens in other places, route spellings, the
/// purge API reached through the public (proxied) listener, and values the API echoes back. Nothing but the
/// exact token, in an <c>Authorization: Bearer</c> line, purges anything.
/// </summary>
public sealed class AdminAttackTests
{
    private const string Token = "s3cret-Token-42";

    private const string PurgeEverything = """{"purge_everything": true}""";

    private static Task<AttackHarness> StartWithAdminAsync()
        => StartAsync(("AdminListen", "http://127.0.0.1:0"), ("AdminToken", Token));

    private static string Purge(string path, string headerLines, string body = PurgeEverything)
        => $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headerLines}Content-Type: application/json\r\nContent-Length: {Encoding.Latin1.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";

    [Theory]
    [InlineData("")]
    [InlineData("Authorization: Bearer S3CRET-TOKEN-42\r\n")]
    [InlineData("Authorization: Bearer s3cret-token-42\r\n")]
    [InlineData("Authorization: Bearer s3cret-Token-4\r\n")]
    [InlineData("Authorization: Bearer s3cret-Token-420\r\n")]
    [InlineData("Authorization: Bearer s3cret-Token-42x\r\n")]
    [InlineData("Authorization: Bearer \r\n")]
    [InlineData("Authorization: Bearer\r\n")]
    [InlineData("Authorization: s3cret-Token-42\r\n")]
    [InlineData("Authorization: Basic czNjcmV0LVRva2VuLTQy\r\n")]
    [InlineData("Authorization: Token s3cret-Token-42\r\n")]
    [InlineData("Authorization: Bearer\ts3cret-Token-42\r\n")]
    [InlineData("Authorization: Bearer s3cret-Token-42, Bearer x\r\n")]
    [InlineData("Authorization: Bearer x\r\nAuthorization: Bearer s3cret-Token-42\r\n")]
    [InlineData("Authorization: Bearer s3cret-Token-42\r\nAuthorization: Bearer x\r\n")]
    [InlineData("X-Admin-Token: s3cret-Token-42\r\n")]
    [InlineData("Cookie: token=s3cret-Token-42\r\n")]
    [InlineData("Proxy-Authorization: Bearer s3cret-Token-42\r\n")]
    [InlineData("X-Forwarded-For: 127.0.0.1\r\n")]
    public async Task A_near_miss_or_misplaced_token_is_refused_and_purges_nothing(string headerLines)
    {
        await using var h = await StartWithAdminAsync();
        await h.GetAsync("/kept");

        var response = await RawHttp.SendAsync(h.AdminUri, Purge("/purge_cache", headerLines));
        var after = await h.GetAsync("/kept");

        Assert.Equal(401, response.Status);
        Assert.Equal("HIT", after.Header("cf-cache-status"));
    }

    [Theory]
    [InlineData("/purge_cache?token=" + Token)]
    [InlineData("/PURGE_CACHE")]
    [InlineData("/purge_cache/")]
    [InlineData("/%70urge_cache")]
    [InlineData("/./purge_cache")]
    [InlineData("/x/../purge_cache")]
    [InlineData("//purge_cache")]
    public async Task No_spelling_of_the_purge_route_skips_the_token(string path)
    {
        await using var h = await StartWithAdminAsync();
        await h.GetAsync("/kept");

        var response = await RawHttp.SendAsync(h.AdminUri, Purge(path, string.Empty));
        var after = await h.GetAsync("/kept");

        Assert.True(response.Status is 401 or 404 or 405, $"{path}: status {response.Status}");
        Assert.Equal("HIT", after.Header("cf-cache-status"));
    }

    [Theory]
    [InlineData("Authorization: Bearer s3cret-Token-42\r\n")]
    [InlineData("Authorization: bearer s3cret-Token-42\r\n")]
    [InlineData("Authorization: Bearer   s3cret-Token-42  \r\n")]
    public async Task The_exact_token_purges_with_the_scheme_in_any_case(string headerLines)
    {
        // The control for the refusals above: RFC 9110 section 11.1 makes the scheme name case-insensitive.
        await using var h = await StartWithAdminAsync();
        await h.GetAsync("/gone");

        var response = await RawHttp.SendAsync(h.AdminUri, Purge("/purge_cache", headerLines));
        var after = await h.GetAsync("/gone");

        Assert.Equal(200, response.Status);
        Assert.Equal("MISS", after.Header("cf-cache-status"));
    }

    [Fact]
    public async Task A_purge_sent_to_the_public_listener_with_the_real_token_is_only_a_POST_to_the_origin()
    {
        await using var h = await StartWithAdminAsync();
        await h.GetAsync("/kept");

        await h.SendAsync(Purge("/purge_cache", $"Authorization: Bearer {Token}\r\n"));
        var after = await h.GetAsync("/kept");

        Assert.Equal("HIT", after.Header("cf-cache-status"));
        Assert.Single(h.Origin.Requests, r => r.Method == "POST" && r.Target == "/purge_cache");
    }

    [Fact]
    public async Task An_origin_response_cannot_purge_other_entries_through_Location_or_purge_style_fields()
    {
        // A successful unsafe request invalidates its own URL and same-origin Location / Content-Location
        // (RFC 9111 section 4.4), nothing else: not another host's URL, not a prefix, not a tag, not a
        // field an origin (or an attacker who controls a redirect) might hope a CDN acts on.
        await using var h = await StartWithAdminAsync();
        h.Origin.Handler = r => r.Method == "POST"
            ? ReflectedResponse.Reflect(r, 200, ("Cache-Control", "no-store"), ("Location", "http://evil.example/kept"),
                ("Content-Location", "//evil.example/kept"), ("Cache-Tag", "all"), ("Surrogate-Key", "all"), ("X-Purge", "/kept"),
                ("Purge", "/*"), ("Clear-Site-Data", "\"cache\""), ("X-Cache-Invalidate", "/kept"))
            : ReflectedResponse.Reflect(r, 200, ("Cache-Control", "public, max-age=600"), ("Cache-Tag", "all"));
        await h.GetAsync("/kept");
        await h.GetAsync("/kept/child");

        await h.SendAsync("POST /form HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx");

        Assert.Equal("HIT", (await h.GetAsync("/kept")).Header("cf-cache-status"));
        Assert.Equal("HIT", (await h.GetAsync("/kept/child")).Header("cf-cache-status"));
    }

    [Theory]
    [InlineData("xn--bcher-kva.example")]
    [InlineData("XN--BCHER-KVA.EXAMPLE")]
    [InlineData("b\u00FCcher.example")]
    [InlineData("B\u00DCCHER.example")]
    public async Task A_purge_by_host_reaches_an_IDN_hosts_entries_whichever_form_names_it(string named)
    {
        // A purge that silently misses leaves what it was meant to remove (a leaked page) in the cache.
        await using var h = await StartAsync(("AdminListen", "http://127.0.0.1:0"), ("AdminToken", Token), ("HostHeader", "pass-through"));
        const string Request = "GET /idn-purge HTTP/1.1\r\nHost: xn--bcher-kva.example\r\nConnection: close\r\n\r\n";
        await h.SendAsync(Request);
        Assert.Equal("HIT", (await h.SendAsync(Request)).Header("cf-cache-status"));

        var purge = await RawHttp.SendAsync(h.AdminUri, Purge("/purge_cache", $"Authorization: Bearer {Token}\r\n", $"{{\"hosts\": [{System.Text.Json.JsonSerializer.Serialize(named)}]}}"));
        var after = await h.SendAsync(Request);

        Assert.Equal(200, purge.Status);
        Assert.Equal("MISS", after.Header("cf-cache-status"));
    }

    [Fact]
    public async Task Values_the_purge_API_echoes_are_JSON_escaped_and_never_a_header_or_markup()
    {
        await using var h = await StartWithAdminAsync();
        var body = "{\"<script>" + AttackerMarker + "</script>\\r\\nX-Injected: 1\": true}";

        var response = await RawHttp.SendAsync(h.AdminUri, Purge("/purge_cache", $"Authorization: Bearer {Token}\r\n", body));

        Assert.Equal(400, response.Status);
        Assert.StartsWith("application/json", response.Header("Content-Type"), StringComparison.Ordinal);
        Assert.DoesNotContain(response.Headers, x => x.Name.Equals("X-Injected", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(AttackerMarker, response.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", response.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("\r\nX-Injected", response.Text, StringComparison.Ordinal);
    }
}
