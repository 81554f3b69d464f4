using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeCache.Storage;
using EdgeCache.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.Server.Tests.Proxy;

/// <summary>
/// A 200 KB body (above the default <c>MemoryFileThreshold</c> of 128 KB, below the 1 MB it was) on a real server in front of a real origin: it is kept in
/// a memory file and a plaintext HTTP/1.1 hit sends it with sendfile(2); whole, single and suffix ranges are exact,
/// an unsatisfiable range and HEAD send no body bytes (the next request on the connection proves it), keep-alive
/// goes on after a file-sent body, clients that hang up mid-body leave no reference or descriptor behind, TLS and
/// HTTP/2 read the file on the ordinary path, and the tier's budget counts the files.
/// </summary>
public sealed class SubMegabyteMemoryFileTests() : LargeBodyOriginTests(Body, "edgecache-memfd-200k-")
{
    // Not a multiple of the page size, so a file's last page is partly used.
    private const int Size = (200 * 1024) + 3;
    private static readonly byte[] Body = CreateBody(Size, seed: 200);
    private const string Get = "GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

    [Fact]
    public async Task A_200KB_hit_at_the_default_threshold_is_kept_in_a_memory_file_and_sent_directly_byte_exact()
    {
        await using var server = await StartAsync();
        var memory = Memory(server);
        var counters = Counters(server);
        await WarmAsync(server);
        var before = counters.DirectSends;

        var hit = await server.Client.GetByteArrayAsync("/big.bin");

        Assert.Equal(Body, hit);
        Assert.Equal(1, memory.BodyFiles);
        Assert.Equal(Size, memory.BodyFileBytes);
        Assert.Equal(before + 1, counters.DirectSends);
        Assert.Equal(1, Origin.Hits("/big.bin"));
    }

    [Theory]
    [InlineData("bytes=0-0", 0, 0)]
    [InlineData("bytes=4095-70000", 4095, 70_000)]
    [InlineData("bytes=-500", Size - 500, Size - 1)]
    [InlineData("bytes=150000-", 150_000, Size - 1)]
    public async Task A_single_or_suffix_range_is_the_right_bytes_from_the_file(string range, int first, int last)
    {
        await using var server = await StartAsync();
        var counters = Counters(server);
        await WarmAsync(server);
        var before = counters.DirectSends;

        using var request = new HttpRequestMessage(HttpMethod.Get, "/big.bin");
        request.Headers.TryAddWithoutValidation("Range", range);
        using var response = await server.Client.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal($"bytes {first}-{last}/{Size}", response.Content.Headers.ContentRange!.ToString());
        Assert.Equal(Body.AsSpan(first, last - first + 1).ToArray(), bytes);
        Assert.Equal(before + 1, counters.DirectSends);
    }

    [Fact]
    public async Task An_unsatisfiable_range_is_a_416_without_body_bytes_and_the_connection_answers_the_next_request()
    {
        await using var server = await StartAsync();
        var counters = Counters(server);
        await WarmAsync(server);
        var before = counters.DirectSends;

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.BaseUri.Host, server.BaseUri.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: bytes=300000-400000\r\n\r\n"));
        var head = await Http11Wire.ReadHeadAsync(stream);
        // Were any of the file's bytes sent after the 416's head, this response's status line would be read out of them.
        var next = await Http11Wire.ExchangeAsync(stream, Get);

        Assert.Equal(416, head.Status);
        Assert.Equal("0", head.Header("Content-Length"));
        Assert.Equal($"bytes */{Size}", head.Header("Content-Range"));
        Assert.Equal(200, next.Status);
        Assert.Equal(Body, next.Body);
        Assert.Equal(before + 1, counters.DirectSends);
    }

    [Fact]
    public async Task HEAD_sends_the_length_without_the_body_and_the_next_request_on_the_connection_is_answered()
    {
        await using var server = await StartAsync();
        var counters = Counters(server);
        await WarmAsync(server);
        var before = counters.DirectSends;

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.BaseUri.Host, server.BaseUri.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("HEAD /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        var head = await Http11Wire.ReadHeadAsync(stream);
        var next = await Http11Wire.ExchangeAsync(stream, "GET /small HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

        Assert.Equal(200, head.Status);
        Assert.Equal(Size.ToString(System.Globalization.CultureInfo.InvariantCulture), head.Header("Content-Length"));
        Assert.Equal("/small v1", Encoding.UTF8.GetString(next.Body));
        Assert.Equal(before, counters.DirectSends);
    }

    [Fact]
    public async Task Requests_after_file_sent_bodies_on_one_keep_alive_connection_are_answered_in_order()
    {
        await using var server = await StartAsync();
        var counters = Counters(server);
        await WarmAsync(server);
        await server.Client.GetStringAsync("/small");
        var before = counters.DirectSends;

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.BaseUri.Host, server.BaseUri.Port);
        var stream = tcp.GetStream();
        var first = await Http11Wire.ExchangeAsync(stream, Get);
        var second = await Http11Wire.ExchangeAsync(stream, Get);
        var small = await Http11Wire.ExchangeAsync(stream, "GET /small HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

        // And pipelined: three responses queued behind each other, the small one between two file bodies.
        await stream.WriteAsync(Encoding.ASCII.GetBytes(Get + "GET /small HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + Get));
        var pipelined = new[] { await Http11Wire.ReadResponseAsync(stream), await Http11Wire.ReadResponseAsync(stream), await Http11Wire.ReadResponseAsync(stream) };

        Assert.Equal(Body, first.Body);
        Assert.Equal(Body, second.Body);
        Assert.Equal("/small v1", Encoding.UTF8.GetString(small.Body));
        Assert.Equal(Body, pipelined[0].Body);
        Assert.Equal("/small v1", Encoding.UTF8.GetString(pipelined[1].Body));
        Assert.Equal(Body, pipelined[2].Body);
        Assert.Equal(before + 4, counters.DirectSends);
    }

    [Fact]
    public async Task Clients_that_hang_up_mid_body_leave_no_reference_or_descriptor_behind_and_others_are_served()
    {
        await using var server = await StartAsync();
        var memory = Memory(server);
        var counters = Counters(server);
        await WarmAsync(server);
        await WaitUntilAsync(() => counters.OpenConnections <= 1);
        var openBefore = counters.OpenConnections;
        Assert.Equal(1, OpenMemoryFiles(memory));

        for (var i = 0; i < 3; i++)
        {
            // Thirty pipelined requests (6 MB): the server is mid-body at the reset, with responses queued behind it.
            await HangUpMidBodyAsync(server, requests: 30, readBytes: 150 * 1024);
            Assert.Equal(Body, await server.Client.GetByteArrayAsync("/big.bin"));
        }

        await WaitUntilAsync(() => counters.OpenConnections <= openBefore);
        Assert.Equal(1, memory.BodyFiles);
        Assert.Equal(1, OpenMemoryFiles(memory));

        // Every send gave its reference back: once the tier lets go of the entry, the file is closed.
        Assert.True(await server.App.Services.GetRequiredService<ICacheStore>().PurgeAsync(PurgeRequest.Everything) >= 1);
        // (Until a response queued after its connection's send had failed gave its reference back, one stayed.)
        for (var i = 0; i < 200 && (memory.BodyFiles != 0 || OpenMemoryFiles(memory) != 0); i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal((0L, 0, 0L), (memory.BodyFiles, OpenMemoryFiles(memory), memory.BodyFileBytes));
    }

    [Fact]
    public Task TLS_with_HTTP2_and_HTTP11_reads_the_file_on_the_ordinary_path_and_stays_exact()
        => AssertTlsTakesTheOrdinaryPathAsync(new() { ["Store"] = "memory" }, suffixLength: 500, after: server => Assert.Equal(1, Memory(server).BodyFiles));

    [Fact]
    public async Task The_memory_budget_counts_file_bodies_and_eviction_closes_their_files()
    {
        const int Keys = 24;
        for (var i = 0; i < Keys; i++)
        {
            var body = CreateBody(Size, seed: 1000 + i);
            Origin.Route($"/k{i}.bin", async (context, _) =>
            {
                context.Response.Headers.CacheControl = "public, max-age=3600";
                context.Response.ContentLength = body.Length;
                await context.Response.Body.WriteAsync(body);
            });
        }

        await using var server = await StartAsync(new() { ["MemorySize"] = "2MB" });
        var memory = Memory(server);
        for (var i = 0; i < Keys; i++)
        {
            Assert.Equal(CreateBody(Size, seed: 1000 + i), await server.Client.GetByteArrayAsync($"/k{i}.bin"));
            await server.DrainAsync();
        }

        // The tier stayed in its budget; every entry it holds has its body in one file, and nothing else is open.
        await WaitUntilAsync(() => memory.BodyFiles == memory.Count && OpenMemoryFiles(memory) == memory.Count);
        Assert.True(memory.Bytes <= 2 * 1024 * 1024, $"the tier holds {memory.Bytes} bytes");
        Assert.InRange(memory.Count, 2, 10);
        Assert.Equal((long)memory.Count * Size, memory.BodyFileBytes);

        // The newest entries are the ones kept, and each is still exact.
        var last = Keys - 1;
        Assert.Equal(CreateBody(Size, seed: 1000 + last), await server.Client.GetByteArrayAsync($"/k{last}.bin"));
        Assert.Equal(1, Origin.Hits($"/k{last}.bin"));
    }

    // No MemoryFileThreshold: these pin the default.
    private Task<InProcessServer> StartAsync(Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>(extra ?? []) { ["Store"] = "memory" };
        return StartServerAsync(settings);
    }

    private static MemoryStore Memory(InProcessServer server)
    {
        Assert.True(OperatingSystem.IsLinux(), "memory files are Linux's; these tests run there");
        return Assert.IsType<MemoryStore>(Assert.IsType<PurgeFencedStore>(server.App.Services.GetRequiredService<ICacheStore>()).Inner);
    }

    /// <summary>This tier's memory files among the process's open descriptors (<c>/proc/self/fd</c>).</summary>
    private static int OpenMemoryFiles(MemoryStore memory)
    {
        var target = $"/memfd:{memory.Files.Name} (deleted)";
        var count = 0;
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget == target)
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // Closed while listed.
            }
        }

        return count;
    }
}
