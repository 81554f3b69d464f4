using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeCache.Testing;

namespace EdgeCache.Server.Tests;

/// <summary>
/// Malformed input from a client or an origin never produces an exception that reaches the client
/// or a 500, through the whole server: Kestrel, the bridge, the example handler and the Cache API.
/// </summary>
public sealed class MalformedInputTests : IAsyncLifetime
{
    private readonly RawSocketOrigin _origin = RawSocketOrigin.Start();
    private InProcessServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await InProcessServer.StartAsync(new Dictionary<string, string?>
        {
            ["Origin"] = _origin.BaseUri.ToString(),
            ["Handler"] = "example",
            ["AdminListen"] = "none",
        });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _origin.DisposeAsync();
    }

    [Fact]
    public async Task A_non_ASCII_origin_header_value_passes_through_and_never_becomes_a_500()
    {
        // caf\u00e9 in raw Latin-1 and UTF-8 bytes: the server reads and writes header bytes as Latin-1, so both pass through.
        _origin.Answer("/bad-header", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Latin1: caf\u00e9\r\nX-Fine: yes\r\n\r\nok", utf8Header: "X-Utf8: caf\u00e9");

        for (var i = 0; i < 2; i++)
        {
            using var response = await _server.Client.GetAsync(new Uri("/bad-header", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("ok", await response.Content.ReadAsStringAsync());
            Assert.Equal("yes", response.Headers.GetValues("X-Fine").Single());
            Assert.Equal("caf\u00e9", Encoding.Latin1.GetString(Encoding.Latin1.GetBytes(response.Headers.NonValidated["X-Latin1"].ToString())));
            Assert.True(response.Headers.NonValidated.Contains("X-Utf8"));
            Assert.Equal(i == 0 ? null : "HIT", CacheStatus(response));

            // The example stores with waitUntil: once that work is done, the second round is a hit.
            await _server.DrainAsync();
        }
    }

    [Fact]
    public async Task A_UTF8_client_header_value_reaches_the_origin_byte_for_byte_instead_of_giving_a_500()
    {
        _origin.Answer("/utf8", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _server.BaseUri.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes("GET /utf8 HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Name: caf\u00e9\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.Latin1);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var answer = await reader.ReadToEndAsync(timeout.Token);

        Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
        Assert.Contains("X-Name: caf\u00e9", Encoding.UTF8.GetString(_origin.Last("/utf8")!.Bytes), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Range", "bytes=99999999999999999999999-")]
    [InlineData("Range", "bytes=-99999999999999999999999")]
    [InlineData("Range", "bytes=5-1,,,,-,")]
    [InlineData("Range", "bytes=0-0,0-0,0-0,0-0,0-0,0-0,0-0,0-0,0-0,0-0,0-0,0-0,0-0,0-0,0-0,0-0,0-0,0-0")]
    [InlineData("If-None-Match", "W/\"\",,\"\\\"*")]
    [InlineData("If-Modified-Since", "Mon, 99 Foo 99999 99:99:99 GMT")]
    [InlineData("If-Modified-Since", "Thu, 01 Jan 0001 00:00:00 GMT")]
    [InlineData("Authorization", "\"")]
    [InlineData("Cache-Control", "max-age=\"")]
    public async Task A_malformed_client_header_on_a_miss_and_on_a_hit_never_gives_a_500(string name, string value)
    {
        var path = "/client-" + Guid.NewGuid().ToString("N");
        _origin.Answer(path, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: \"e\"\r\nLast-Modified: Wed, 21 Oct 2015 07:28:00 GMT\r\n\r\nhello");

        for (var i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
            Assert.True(request.Headers.TryAddWithoutValidation(name, value));
            using var response = await _server.Client.SendAsync(request);
            Assert.True((int)response.StatusCode < 500, $"{name}: {value} gave {(int)response.StatusCode}");
            await response.Content.ReadAsByteArrayAsync();
            Assert.Equal(i == 0 ? null : "HIT", CacheStatus(response));
            await _server.DrainAsync();
        }
    }

    [Theory]
    [InlineData("Cache-Control: max-age=\"\r\nExpires: yesterday")]
    [InlineData("Cache-Control: s-maxage=99999999999999999999999\r\nAge: 99999999999999999999999")]
    [InlineData("Cache-Control: private=\"\r\nSet-Cookie: a=1")]
    [InlineData("Vary: Accept, *")]
    [InlineData("Expires: Fri, 31 Dec 9999 23:59:59 GMT\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT")]
    [InlineData("Connection: , ,x-a,\r\nx-a: 1")]
    public async Task Malformed_origin_caching_headers_never_give_a_500(string headers)
    {
        var path = "/origin-" + Guid.NewGuid().ToString("N");
        _origin.Answer(path, $"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n{headers}\r\n\r\nok");

        for (var i = 0; i < 2; i++)
        {
            using var response = await _server.Client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("ok", await response.Content.ReadAsStringAsync());
            await _server.DrainAsync();
        }
    }

    private static string? CacheStatus(HttpResponseMessage response)
        => response.Headers.TryGetValues("cf-cache-status", out var values) ? values.Single() : null;
}
