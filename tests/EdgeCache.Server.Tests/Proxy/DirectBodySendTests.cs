using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using EdgeCache.Testing;

namespace EdgeCache.Server.Tests.Proxy;

/// <summary>
/// Large hits that go to the socket past Kestrel's pipe (DirectSendConnection): byte-exact whole bodies and
/// ranges from the memory and the disk tier, a client that hangs up mid-body, keep-alive after a direct
/// body, HEAD, and the ordinary path that TLS and HTTP/2 get. A real server on a real Kestrel.
/// </summary>
public sealed class DirectBodySendTests() : LargeBodyOriginTests(Body, "edgecache-direct-")
{
    private const int Size = 1024 * 1024 + 17;
    private static readonly byte[] Body = CreateBody(Size, seed: 20);

    [Theory]
    [InlineData("memory")]
    [InlineData("memory-arrays")]
    [InlineData("disk")]
    [InlineData("tiered")]
    public async Task A_large_hit_goes_out_directly_and_byte_exact(string store)
    {
        await using var server = await StartAsync(store);
        var counters = Counters(server);
        await WarmAsync(server);
        var before = counters.DirectSends;

        var hit = await server.Client.GetByteArrayAsync("/big.bin");

        Assert.Equal(Body, hit);
        Assert.Equal(before + 1, counters.DirectSends);
    }

    [Theory]
    [InlineData("memory", 0, 99_999)]
    [InlineData("memory", 500_000, Size - 1)]
    [InlineData("memory-arrays", 1, 99_999)]
    [InlineData("disk", 1, 70_000)]
    [InlineData("disk", 900_000, Size - 1)]
    public async Task A_range_of_a_large_hit_is_the_right_bytes(string store, int first, int last)
    {
        await using var server = await StartAsync(store);
        var counters = Counters(server);
        await WarmAsync(server);
        var before = counters.DirectSends;

        using var request = new HttpRequestMessage(HttpMethod.Get, "/big.bin");
        request.Headers.Range = new RangeHeaderValue(first, last);
        using var response = await server.Client.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal($"bytes {first}-{last}/{Size}", response.Content.Headers.ContentRange!.ToString());
        Assert.Equal(Body.AsSpan(first, last - first + 1).ToArray(), bytes);
        Assert.Equal(before + 1, counters.DirectSends);
    }

    [Fact]
    public async Task Several_ranges_go_out_as_multipart_with_each_part_exact()
    {
        await using var server = await StartAsync("memory");
        await WarmAsync(server);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/big.bin");
        request.Headers.TryAddWithoutValidation("Range", "bytes=10-70009,200000-300000");
        using var response = await server.Client.SendAsync(request);
        var raw = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.True(IndexOf(raw, Body.AsSpan(10, 70_000)) > 0);
        Assert.True(IndexOf(raw, Body.AsSpan(200_000, 100_001)) > 0);
        Assert.Equal(response.Content.Headers.ContentLength, raw.Length);
    }

    [Fact]
    public async Task A_second_request_on_the_same_connection_after_a_direct_body_is_answered()
    {
        await using var server = await StartAsync("memory");
        var counters = Counters(server);
        await WarmAsync(server);
        var before = counters.DirectSends;

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.BaseUri.Host, server.BaseUri.Port);
        var stream = tcp.GetStream();
        var first = await Http11Wire.ExchangeAsync(stream, "GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        var second = await Http11Wire.ExchangeAsync(stream, "GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        var small = await Http11Wire.ExchangeAsync(stream, "GET /small HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

        Assert.Equal(Body, first.Body);
        Assert.Equal(Body, second.Body);
        Assert.Equal(200, small.Status);
        Assert.Equal("/small v1", Encoding.UTF8.GetString(small.Body));
        Assert.Equal(before + 2, counters.DirectSends);
    }

    [Fact]
    public async Task Pipelined_requests_get_their_answers_in_order()
    {
        await using var server = await StartAsync("memory");
        await WarmAsync(server);
        await server.Client.GetStringAsync("/small");

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.BaseUri.Host, server.BaseUri.Port);
        var stream = tcp.GetStream();
        var get = "GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(get + "GET /small HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + get));

        Assert.Equal(Body, (await Http11Wire.ReadResponseAsync(stream)).Body);
        Assert.Equal("/small v1", Encoding.UTF8.GetString((await Http11Wire.ReadResponseAsync(stream)).Body));
        Assert.Equal(Body, (await Http11Wire.ReadResponseAsync(stream)).Body);
    }

    [Fact]
    public async Task Pipelined_responses_that_end_before_their_direct_bodies_went_out_arrive_whole_and_in_order()
    {
        await using var server = await StartAsync("memory");
        var counters = Counters(server);
        await WarmAsync(server);
        await server.Client.GetStringAsync("/small");
        var before = counters.DirectSends;

        // The client reads nothing until every response has been queued: the responses do not wait for their
        // bodies to reach the socket, so all three are queued behind the first body while it is still unsent.
        using var tcp = new TcpClient { ReceiveBufferSize = 4096 };
        await tcp.ConnectAsync(server.BaseUri.Host, server.BaseUri.Port);
        var stream = tcp.GetStream();
        var get = "GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(get + get + "GET /small HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + get));
        await WaitUntilAsync(() => counters.DirectSends == before + 3);

        Assert.Equal(Body, (await Http11Wire.ReadResponseAsync(stream)).Body);
        Assert.Equal(Body, (await Http11Wire.ReadResponseAsync(stream)).Body);
        Assert.Equal("/small v1", Encoding.UTF8.GetString((await Http11Wire.ReadResponseAsync(stream)).Body));
        Assert.Equal(Body, (await Http11Wire.ReadResponseAsync(stream)).Body);
    }

    [Fact]
    public async Task HEAD_of_a_large_hit_sends_the_length_and_no_body()
    {
        await using var server = await StartAsync("memory");
        var counters = Counters(server);
        await WarmAsync(server);
        var before = counters.DirectSends;

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.BaseUri.Host, server.BaseUri.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("HEAD /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        var head = await Http11Wire.ReadHeadAsync(stream);
        // Were a body sent after the HEAD's head, this GET's answer would be read out of it.
        var after = await Http11Wire.ExchangeAsync(stream, "GET /small HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200", head.Lines[0], StringComparison.Ordinal);
        Assert.Equal(Size.ToString(System.Globalization.CultureInfo.InvariantCulture), head.Header("Content-Length"));
        Assert.Equal("/small v1", Encoding.UTF8.GetString(after.Body));
        Assert.Equal(before, counters.DirectSends);
    }

    [Fact]
    public async Task A_client_that_hangs_up_mid_body_leaves_no_connection_behind_and_the_server_serves_on()
    {
        await using var server = await StartAsync("memory");
        var counters = Counters(server);
        await WarmAsync(server);
        await WaitUntilAsync(() => counters.OpenConnections <= 1);
        var openBefore = counters.OpenConnections;

        for (var i = 0; i < 3; i++)
        {
            await HangUpMidBodyAsync(server, requests: 1, readBytes: 32 * 1024);
        }

        await WaitUntilAsync(() => counters.OpenConnections <= openBefore);
        Assert.Equal(Body, await server.Client.GetByteArrayAsync("/big.bin"));
    }

    [Fact]
    public Task TLS_with_HTTP2_and_HTTP11_takes_the_ordinary_path_and_stays_exact() => AssertTlsTakesTheOrdinaryPathAsync([]);

    [Fact]
    public async Task A_body_below_the_threshold_takes_the_ordinary_path()
    {
        await using var server = await StartAsync("memory");
        var counters = Counters(server);
        Origin.Route("/edge.bin", async (context, _) =>
        {
            context.Response.Headers.CacheControl = "public, max-age=3600";
            await context.Response.Body.WriteAsync(Body.AsMemory(0, AspNetCore.Proxy.StoredResponseWriter.DirectSendThreshold - 1));
        });
        await server.Client.GetByteArrayAsync("/edge.bin");
        await server.DrainAsync();

        var hit = await server.Client.GetByteArrayAsync("/edge.bin");

        Assert.Equal(Body.AsSpan(0, AspNetCore.Proxy.StoredResponseWriter.DirectSendThreshold - 1).ToArray(), hit);
        Assert.Equal(0, counters.DirectSends);
    }

    [Fact]
    public async Task With_DirectSend_off_a_large_hit_takes_the_ordinary_path_and_stays_exact()
    {
        await using var server = await StartAsync("memory", directSend: false);
        var counters = Counters(server);
        await WarmAsync(server);

        Assert.Equal(Body, await server.Client.GetByteArrayAsync("/big.bin"));
        Assert.Equal(0, counters.DirectSends);
        Assert.Equal(0, counters.OpenConnections);
    }

    // "memory" keeps large bodies in memory files (the default); "memory-arrays" keeps them in managed arrays.
    private Task<InProcessServer> StartAsync(string store, bool directSend = true) => StartServerAsync(new()
    {
        ["Store"] = store == "memory-arrays" ? "memory" : store,
        ["MemoryFileThreshold"] = store == "memory-arrays" ? "off" : "64KB",
        ["DirectSend"] = directSend ? "true" : "false",
    });

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);
}
