using System.Net;
using EdgeCache.Testing;

namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>
/// RFC 9110 section 15.2 and RFC 8297 (103 Early Hints): what Kestrel and SocketsHttpHandler do with 1xx, measured
/// against a raw-socket origin that sends a 103 before its 200. Neither passes a 1xx on (see docs/cdn-mode.md,
/// "Interim responses"); these tests pin that the final response still arrives whole and that no 1xx is ever stored.
/// </summary>
public sealed class InterimResponseTests
{
    private const string WithEarlyHints =
        "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n"
        + "HTTP/1.1 103 Early Hints\r\nLink: </app.js>; rel=preload; as=script\r\n\r\n"
        + "HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello";

    [Fact]
    public async Task Rfc9110_15_2_SocketsHttpHandler_consumes_1xx_and_gives_only_the_final_response()
    {
        await using var origin = RawSocketOrigin.Start();
        origin.Answer("/hints", WithEarlyHints);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });

        using var response = await client.GetAsync(new Uri(origin.BaseUri, "/hints"));

        // Measured: no API surfaces the 103s (no callback, no header merge); the final response is intact.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Link"));
        Assert.Equal("hello", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Rfc9110_15_2_An_origin_103_is_not_forwarded_never_stored_and_the_final_response_is_served_and_cached()
    {
        await using var origin = RawSocketOrigin.Start();
        origin.Answer("/page", WithEarlyHints);
        await using var h = await ProxyHarness.StartAsync(("Origin", origin.BaseUri.ToString()));

        var miss = await h.RawAsync("GET /page HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        var hit = await h.RawAsync("GET /page HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", miss, StringComparison.Ordinal);
        Assert.DoesNotContain(" 103 ", miss, StringComparison.Ordinal);
        Assert.DoesNotContain("Link:", miss, StringComparison.OrdinalIgnoreCase);
        Assert.EndsWith("\r\n\r\nhello", miss, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", hit, StringComparison.Ordinal);
        Assert.Contains("cf-cache-status: HIT", hit, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Link:", hit, StringComparison.OrdinalIgnoreCase);
        Assert.Single(origin.For("/page"));
    }
}
