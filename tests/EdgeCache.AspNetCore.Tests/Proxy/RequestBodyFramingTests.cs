using EdgeCache.Testing;

namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>
/// How a request body is framed on its way to the origin, seen byte for byte by a raw-socket origin:
/// a body of known length keeps its <c>Content-Length</c>; only a chunked body goes on chunked.
/// </summary>
public sealed class RequestBodyFramingTests : IAsyncLifetime
{
    private const string Ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nCache-Control: no-store\r\n\r\nok";

    private readonly RawSocketOrigin _origin = RawSocketOrigin.Start();
    private ProxyHarness _proxy = null!;

    public async Task InitializeAsync() => _proxy = await ProxyHarness.StartAsync(("Origin", _origin.BaseUri.ToString()));

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _origin.DisposeAsync();
    }

    [Theory]
    [InlineData("POST", "HTTP/1.1")]
    [InlineData("PUT", "HTTP/1.1")]
    [InlineData("PATCH", "HTTP/1.0")]
    public async Task A_body_sent_with_Content_Length_reaches_the_origin_with_that_Content_Length_and_not_chunked(string method, string version)
    {
        _origin.Answer("/p", Ok);

        // What `curl -X POST -d abc` sends.
        var answer = await _proxy.RawAsync(
            $"{method} /p {version}\r\nHost: x\r\nContent-Length: 3\r\nContent-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n\r\nabc");

        Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
        var received = Assert.Single(_origin.For("/p"));
        Assert.Equal(["3"], received.Header("Content-Length"));
        Assert.Empty(received.Header("Transfer-Encoding"));
        Assert.Equal("abc", received.BodyText);
    }

    [Fact]
    public async Task A_large_body_with_Content_Length_streams_to_the_origin_with_its_length()
    {
        _origin.Answer("/upload", Ok);
        var payload = System.Security.Cryptography.RandomNumberGenerator.GetBytes(2 * 1024 * 1024 + 3);

        using var request = new HttpRequestMessage(HttpMethod.Put, "/upload") { Content = new ByteArrayContent(payload) };
        using var response = await _proxy.Client.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(_origin.For("/upload"));
        Assert.Equal([payload.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)], received.Header("Content-Length"));
        Assert.Empty(received.Header("Transfer-Encoding"));
        Assert.Equal(payload, received.Body);
    }

    [Fact]
    public async Task A_chunked_body_reaches_the_origin_chunked_and_without_a_Content_Length()
    {
        _origin.Answer("/c", Ok);

        var answer = await _proxy.RawAsync("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
        var received = Assert.Single(_origin.For("/c"));
        Assert.Equal(["chunked"], received.Header("Transfer-Encoding"));
        Assert.Empty(received.Header("Content-Length"));
        Assert.Equal("abc", Dechunk(received.BodyText));
    }

    [Fact]
    public async Task A_request_with_both_Content_Length_and_chunked_reaches_the_origin_with_one_framing_only()
    {
        // A smuggling attempt: were both forwarded, an origin that trusts Content-Length would read "5\r\nh"
        // as the body and the rest as a second request.
        _origin.Answer("/both", Ok);

        var answer = await _proxy.RawAsync(
            "POST /both HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n");

        Assert.Matches("^HTTP/1.1 (200|400)", answer);
        foreach (var received in _origin.For("/both"))
        {
            Assert.Empty(received.Header("Content-Length"));
            Assert.Equal(["chunked"], received.Header("Transfer-Encoding"));
            Assert.Equal("hello", Dechunk(received.BodyText));
        }
    }

    [Fact]
    public async Task A_client_that_sends_less_than_its_Content_Length_never_gets_a_complete_request_to_the_origin()
    {
        _origin.Answer("/short", Ok);

        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(_proxy.BaseUri.Host, _proxy.BaseUri.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync("POST /short HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"u8.ToArray());
        tcp.Client.Shutdown(System.Net.Sockets.SocketShutdown.Send);

        // Wait until the proxy is done with this request (it answers or closes the connection). Whether the
        // origin saw a partial request head or nothing at all depends on how far the proxy's send got before
        // the client's body ended; what must never happen is a whole request (the body made up to 10 bytes).
        var answer = await ReadToEndAsync(stream, TimeSpan.FromSeconds(15));
        Assert.DoesNotContain("HTTP/1.1 200", answer, StringComparison.Ordinal);
        Assert.Empty(_origin.For("/short"));
        Assert.InRange(_origin.IncompleteRequests, 0, 1);
    }

    private static async Task<string> ReadToEndAsync(System.Net.Sockets.NetworkStream stream, TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        var text = new System.Text.StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                text.Append(System.Text.Encoding.ASCII.GetString(buffer, 0, n));
            }
        }
        catch (IOException)
        {
            // A reset is an end too.
        }

        return text.ToString();
    }

    [Fact]
    public async Task A_GET_cache_fill_sends_no_body_and_no_framing_headers()
    {
        _origin.Answer("/g", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nCache-Control: max-age=60\r\n\r\nok");

        var answer = await _proxy.RawAsync("GET /g HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");

        Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
        var received = Assert.Single(_origin.For("/g"));
        Assert.Empty(received.Header("Content-Length"));
        Assert.Empty(received.Header("Transfer-Encoding"));
        Assert.Empty(received.Body);
    }

    private static string Dechunk(string body)
    {
        var text = new System.Text.StringBuilder();
        var position = 0;
        while (true)
        {
            var lineEnd = body.IndexOf("\r\n", position, StringComparison.Ordinal);
            var size = Convert.ToInt32(body[position..lineEnd].Split(';')[0], 16);
            if (size == 0)
            {
                return text.ToString();
            }

            text.Append(body, lineEnd + 2, size);
            position = lineEnd + 2 + size + 2;
        }
    }
}
