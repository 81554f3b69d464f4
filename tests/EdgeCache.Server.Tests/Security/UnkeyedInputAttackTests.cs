using EdgeCache.Testing;
using static EdgeCache.Server.Tests.Security.AttackHarness;

namespace EdgeCache.Server.Tests.Security;

/// <summary>
/// Unkeyed inputs ("Practical Web Cache Poisoning", Kettle 2018; "Web Cache Entanglement", Kettle 2020):
/// request fields and parameters that are not part of the cache key must not shape a stored response.
/// </summary>
public sealed class UnkeyedInputAttackTests
{
    [Theory]
    [InlineData("X-Forwarded-Host", "evil.example")]
    [InlineData("X_Forwarded_Host", "evil.example")]
    [InlineData("X-Forwarded-Server", "evil.example")]
    [InlineData("X-Forwarded-Port", "1337")]
    [InlineData("X-Forwarded-Scheme", "nothttps")]
    [InlineData("X-Forwarded-Ssl", "off")]
    [InlineData("Front-End-Https", "off")]
    [InlineData("X-Url-Scheme", "nothttps")]
    [InlineData("X-Forwarded-Protocol", "nothttps")]
    [InlineData("X-Forwarded-Prefix", "/evil")]
    [InlineData("X-Original-URL", "/admin")]
    [InlineData("X-Rewrite-URL", "/admin")]
    [InlineData("X-Original-URI", "/admin")]
    [InlineData("X-Forwarded-Uri", "/admin")]
    [InlineData("X-Envoy-Original-Path", "/admin")]
    [InlineData("X-Host", "evil.example")]
    [InlineData("Forwarded", "host=evil.example;proto=http")]
    [InlineData("X-HTTP-Method-Override", "DELETE")]
    [InlineData("X-Forwarded-Proto", "nothttps")]
    [InlineData("X-Real-IP", "127.0.0.1")]
    [InlineData("True-Client-IP", "127.0.0.1")]
    [InlineData("CF-Connecting-IP", "127.0.0.1")]
    [InlineData("Fastly-Client-IP", "127.0.0.1")]
    [InlineData("X-Client-IP", "127.0.0.1")]
    [InlineData("X-Cluster-Client-IP", "127.0.0.1")]
    [InlineData("X-Originating-IP", "127.0.0.1")]
    [InlineData("Client-IP", "127.0.0.1")]
    public async Task An_unkeyed_header_never_reaches_the_origin_nor_a_later_clean_client(string name, string value)
    {
        await using var h = await StartAsync();
        var path = "/poison/" + name;

        await h.GetAsync(path, $"{name}: {value}-{AttackerMarker}");
        var clean = await h.GetAsync(path);

        AssertClean(clean);
        Assert.DoesNotContain(h.Origin.Requests, r => r.Headers.Any(x => x.Value.Contains(AttackerMarker, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_client_address_header_named_in_AllowedUnkeyedHeaders_reaches_the_origin_and_others_still_do_not()
    {
        // An origin behind a load balancer that sets X-Real-IP itself: the operator names it, and only it goes on.
        await using var h = await StartAsync(("AllowedUnkeyedHeaders:0", "X-Real-IP"));

        await h.GetAsync("/addr", "X-Real-IP: 198.51.100.7", "True-Client-IP: 127.0.0.1");
        var seen = h.Origin.Requests.Single();

        Assert.Equal("198.51.100.7", seen.Header("X-Real-IP"));
        Assert.Null(seen.Header("True-Client-IP"));
        Assert.Contains("127.0.0.1", seen.Header("X-Forwarded-For") ?? string.Empty, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Some_Header")]
    [InlineData("X_Original_URL")]
    [InlineData("HTTP_X_FORWARDED_HOST")]
    public async Task No_header_name_with_an_underscore_is_forwarded(string name)
    {
        await using var h = await StartAsync();

        await h.GetAsync("/underscore", $"{name}: {AttackerMarker}");

        Assert.False(h.Origin.Requests.Single().Has(name));
    }

    [Fact]
    public async Task A_field_named_by_Connection_is_dropped_whatever_else_Connection_lists()
    {
        await using var h = await StartAsync();

        await h.SendAsync($"GET /conn HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive, X-Foo\r\nX-Foo: {AttackerMarker}\r\n\r\nGET /conn-last HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        await h.SendAsync($"GET /conn2 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: X-Foo, close\r\nX-Foo: {AttackerMarker}\r\n\r\n");

        Assert.Equal(3, h.Origin.Requests.Count);
        Assert.All(h.Origin.Requests, r => Assert.False(r.Has("X-Foo"), r.Target));
    }

    [Fact]
    public async Task A_nomination_applies_to_its_own_request_only_not_to_later_ones_on_a_shared_connection()
    {
        await using var h = await StartAsync();

        // A front proxy may carry several clients' requests on one connection, one after another: one
        // client's Connection line must not strip another client's field.
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(h.BaseUri.Host, h.BaseUri.Port);
        var stream = tcp.GetStream();
        foreach (var request in new[]
        {
            "GET /a HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive, X-Foo\r\nX-Foo: a\r\n\r\n",
            "GET /b HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Foo: b\r\n\r\n",
            "GET /c HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\nX-Foo: c\r\n\r\n",
        })
        {
            var before = h.Origin.Requests.Count;
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(request));
            await ReadOneResponseAsync(stream);
            Assert.Equal(before + 1, h.Origin.Requests.Count);
        }

        Assert.False(h.Origin.Requests.Single(r => r.Target == "/a").Has("X-Foo"));
        Assert.Equal("b", h.Origin.Requests.Single(r => r.Target == "/b").Header("X-Foo"));
        Assert.Equal("c", h.Origin.Requests.Single(r => r.Target == "/c").Header("X-Foo"));
    }

    private static async Task ReadOneResponseAsync(System.Net.Sockets.NetworkStream stream)
    {
        // Reads a head and its Content-Length body (the reflecting origin's answers carry one).
        var received = new List<byte>();
        var buffer = new byte[1];
        int? length = null;
        var headEnd = -1;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (headEnd < 0 || received.Count < headEnd + length)
        {
            if (await stream.ReadAsync(buffer, timeout.Token) == 0)
            {
                throw new IOException("the connection closed before the response ended");
            }

            received.Add(buffer[0]);
            if (headEnd < 0 && received.Count >= 4 && received[^4] == '\r' && received[^3] == '\n' && received[^2] == '\r' && received[^1] == '\n')
            {
                headEnd = received.Count;
                var head = System.Text.Encoding.Latin1.GetString([.. received]);
                var line = head.Split("\r\n").First(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
                length = int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }
    }

    [Fact]
    public async Task Allow_list_mode_forwards_only_the_named_fields()
    {
        await using var h = await StartAsync(("ForwardedRequestHeaders:0", "Accept"), ("ForwardedRequestHeaders:1", "User-Agent"));

        await h.GetAsync("/allow", "Accept: text/html", "User-Agent: probe", $"X-Custom: {AttackerMarker}", $"Cookie: a={VictimSecret}");

        var received = h.Origin.Requests.Single();
        Assert.Equal("text/html", received.Header("Accept"));
        Assert.Equal("probe", received.Header("User-Agent"));
        Assert.False(received.Has("X-Custom"));
        Assert.False(received.Has("Cookie"));
        Assert.True(received.Has("Via"));
    }

    [Fact]
    public async Task Parameter_cloaking_behind_an_excluded_parameter_does_not_poison_the_key()
    {
        await using var h = await StartAsync(Rule(0,
            ("Match:Path", "/cloak"), ("Action:EdgeTtl", "1h"), ("Action:CacheKey:ExcludeQuery:0", "utm_content")));

        await h.GetAsync($"/cloak?utm_content=x;callback={AttackerMarker}");
        var clean = await h.GetAsync("/cloak?utm_content=y");

        AssertClean(clean);
    }

    [Fact]
    public async Task A_fat_GET_body_never_reaches_the_origin_on_a_cacheable_fetch()
    {
        await using var h = await StartAsync();
        var body = $"callback={AttackerMarker}";

        await h.SendAsync($"GET /fat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}");
        var clean = await h.GetAsync("/fat");

        AssertClean(clean);
        Assert.Empty(h.Origin.Requests.First().Body);
    }

    [Fact]
    public async Task A_POST_body_never_shapes_a_later_GET_by_default()
    {
        await using var h = await StartAsync();
        h.Origin.Handler = r => ReflectedResponse.Reflect(r, 200, ("Cache-Control", "public, max-age=600"), ("Content-Location", r.Target));
        var body = $"name={AttackerMarker}";

        await h.SendAsync($"POST /profile HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}");
        var clean = await h.GetAsync("/profile");

        AssertClean(clean);
    }

    [Fact]
    public async Task Distinct_query_strings_are_distinct_keys()
    {
        await using var h = await StartAsync();

        await h.GetAsync($"/q?a=1&utm={AttackerMarker}");
        var clean = await h.GetAsync("/q?a=1");

        AssertClean(clean);
        Assert.Equal(2, h.Origin.Requests.Count);
    }

    [Fact]
    public async Task A_method_override_in_a_header_cannot_turn_a_cached_GET_into_a_delete()
    {
        await using var h = await StartAsync();
        h.Origin.Handler = r => r.Has("X-HTTP-Method-Override")
            ? ReflectedResponse.Reflect(r, 404)
            : ReflectedResponse.Reflect(r);

        await h.GetAsync("/item", "X-HTTP-Method-Override: DELETE");
        var clean = await h.GetAsync("/item");

        Assert.Equal(200, clean.Status);
        Assert.False(h.Origin.Requests.First().Has("X-HTTP-Method-Override"));
    }
}
