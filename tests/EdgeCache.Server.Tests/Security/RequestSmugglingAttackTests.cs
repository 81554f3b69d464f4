using EdgeCache.Testing;
using static EdgeCache.Server.Tests.Security.AttackHarness;

namespace EdgeCache.Server.Tests.Security;

/// <summary>
/// Request smuggling (CL.TE, TE.CL, TE.TE obfuscations, malformed framing): whatever the client's framing,
/// the origin receives exactly one well-framed request per client request, never a request hidden in a body.
/// </summary>
public sealed class RequestSmugglingAttackTests
{
    private const string Smuggled = "GET /smuggled HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

    [Theory]
    [InlineData("CL.TE", "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n" + Smuggled)]
    [InlineData("TE.CL", "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", "2c\r\n" + Smuggled + "\r\n0\r\n\r\n")]
    [InlineData("TE.TE duplicate", "Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n", "0\r\n\r\n" + Smuggled)]
    [InlineData("TE xchunked", "Transfer-Encoding: xchunked\r\nContent-Length: 6\r\n", "0\r\n\r\n" + Smuggled)]
    [InlineData("TE tab", "Transfer-Encoding:\tchunked\r\nContent-Length: 6\r\n", "0\r\n\r\n" + Smuggled)]
    [InlineData("TE space before colon", "Transfer-Encoding : chunked\r\nContent-Length: 6\r\n", "0\r\n\r\n" + Smuggled)]
    [InlineData("TE list", "Transfer-Encoding: chunked, identity\r\n", "0\r\n\r\n" + Smuggled)]
    [InlineData("duplicate Content-Length", "Content-Length: 6\r\nContent-Length: 49\r\n", "0\r\n\r\n" + Smuggled)]
    [InlineData("obs-fold", "Content-Length: 6\r\nX-Fold: a\r\n b\r\n", "0\r\n\r\n" + Smuggled)]
    public async Task A_request_hidden_in_a_body_never_reaches_the_origin_as_a_request(string name, string framing, string body)
    {
        await using var h = await StartAsync();

        var response = await h.SendAsync($"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\n{framing}\r\n{body}");
        await h.SendAsync(RawHttp.Get("/after"));

        Assert.True(response.Status is 0 or 200 or 400 or 501, $"{name}: status {response.Status}");
        Assert.DoesNotContain(h.Origin.Requests, r => r.Target == "/smuggled");
        Assert.All(h.Origin.Requests.Where(r => r.Method == "POST"), r => Assert.DoesNotContain("GET /smuggled", System.Text.Encoding.Latin1.GetString(r.Raw).Split("\r\n\r\n", 2)[0], StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("1x\r\na\r\n0\r\n\r\n")]
    [InlineData("-1\r\na\r\n0\r\n\r\n")]
    [InlineData("ffffffffffffffffff\r\na\r\n0\r\n\r\n")]
    [InlineData("3\r\nabcdef\r\n0\r\n\r\n")]
    public async Task A_malformed_chunked_body_is_the_clients_error_and_no_complete_request_reaches_the_origin(string body)
    {
        await using var h = await StartAsync();

        var response = await h.SendAsync($"POST /chunks HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{body}");

        Assert.True(response.Status == 400, System.Text.Encoding.Latin1.GetString(response.Raw));
        Assert.Empty(h.Origin.Requests);
    }

    [Theory]
    [InlineData("Content-Length: -1\r\n")]
    [InlineData("Content-Length: 1e3\r\n")]
    [InlineData("Content-Length: 5, 6\r\n")]
    public async Task An_invalid_Content_Length_is_refused_before_the_origin(string framing)
    {
        await using var h = await StartAsync();

        var response = await h.SendAsync($"POST /len HTTP/1.1\r\nHost: 127.0.0.1\r\n{framing}Connection: close\r\n\r\nhello");

        Assert.Equal(400, response.Status);
        Assert.Empty(h.Origin.Requests);
    }

    [Fact]
    public async Task A_body_shorter_than_its_Content_Length_never_becomes_a_complete_request()
    {
        await using var h = await StartAsync();

        // The client promises 100 bytes, sends 5 and closes its side: the origin must not get a complete POST.
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(h.BaseUri.Host, h.BaseUri.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync("POST /short HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nhello"u8.ToArray());
        tcp.Client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10)) > 0)
            {
                // Drain until the server closes.
            }
        }
        catch (IOException)
        {
            // The server reset the connection: that is an answer too.
        }

        await h.DrainAsync();
        Assert.Empty(h.Origin.Requests);
    }

    [Fact]
    public async Task The_origin_request_is_framed_by_the_proxy_itself()
    {
        await using var h = await StartAsync();

        await h.SendAsync("POST /framed HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n");

        var received = h.Origin.Requests.Single();
        Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(received.Body));
        Assert.Single(received.Headers, x => x.Name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || x.Name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase));
    }
}
