using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using EdgeCache.AspNetCore.Hosting;
using EdgeCache.Storage;
using EdgeCache.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.Server.Tests.Proxy;

/// <summary>
/// Large memory-tier bodies kept in memory files (memfd) on a real server in front of a real origin: a hit goes
/// out with sendfile(2) from the shared file, byte-exact, and so do a range and HEAD; an entry purged while a
/// slow client is mid-body still completes byte-exact and its file is closed after; a memory file that cannot
/// be made leaves the body in an array and the requests are answered as before.
/// </summary>
public sealed class MemoryFileBodyTests() : LargeBodyOriginTests(Body, "edgecache-memfd-")
{
    // Larger than the loopback socket buffers can absorb, so the send is still under way at the purge.
    private const int Size = 24 * 1024 * 1024 + 5;
    private static readonly byte[] Body = CreateBody(Size, seed: 31);

    [Fact]
    public async Task A_large_hit_goes_out_from_its_memory_file_byte_exact_as_do_a_range_and_HEAD()
    {
        await using var server = await StartAsync();
        var counters = server.App.Services.GetRequiredService<DirectSendCounters>();
        var memory = Memory(server);
        await WarmAsync(server);
        Assert.Equal(1, memory.BodyFiles);
        Assert.Equal(Size, memory.BodyFileBytes);
        var before = counters.DirectSends;

        Assert.Equal(Body, await server.Client.GetByteArrayAsync("/big.bin"));

        using var range = new HttpRequestMessage(HttpMethod.Get, "/big.bin");
        range.Headers.Range = new RangeHeaderValue(1_000_001, 3_500_000);
        using var partial = await server.Client.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(Body.AsSpan(1_000_001, 2_500_000).ToArray(), await partial.Content.ReadAsByteArrayAsync());

        using var head = await server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/big.bin"));
        Assert.Equal(Size, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());

        Assert.Equal(before + 2, counters.DirectSends);
        Assert.Equal(1, Origin.Hits("/big.bin"));
        Assert.Equal(1, memory.BodyFiles);
    }

    [Fact]
    public async Task Concurrent_hits_share_the_one_file_and_each_gets_the_whole_body()
    {
        await using var server = await StartAsync();
        await WarmAsync(server);

        var bodies = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => server.Client.GetByteArrayAsync("/big.bin")));

        Assert.All(bodies, body => Assert.Equal(Body, body));
        Assert.Equal(1, Memory(server).BodyFiles);
    }

    [Fact]
    public async Task An_entry_purged_while_a_slow_client_is_mid_body_completes_byte_exact_and_its_file_is_closed_after()
    {
        await using var server = await StartAsync();
        var memory = Memory(server);
        await WarmAsync(server);

        using var reader = new TcpClient { ReceiveBufferSize = 4096 };
        await reader.ConnectAsync(server.BaseUri.Host, server.BaseUri.Port);
        var stream = reader.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        while (received.Length < 64 * 1024)
        {
            var n = await stream.ReadAsync(buffer);
            Assert.True(n > 0);
            received.Write(buffer, 0, n);
        }

        Assert.True(await server.App.Services.GetRequiredService<ICacheStore>().PurgeAsync(PurgeRequest.Everything) >= 1);

        // Gone from the tier, but its file is open while the send reads it; the refetched body has a file of its own.
        Assert.Equal(0, memory.Count);
        Assert.Equal(1, memory.BodyFiles);
        Assert.Equal(Body, await server.Client.GetByteArrayAsync("/big.bin"));
        await server.DrainAsync();
        Assert.Equal(2, Origin.Hits("/big.bin"));
        Assert.Equal(2, memory.BodyFiles);

        var headEnd = IndexOf(received, "\r\n\r\n"u8) + 4;
        while (received.Length < headEnd + Size)
        {
            var n = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(n > 0, $"the connection closed after {received.Length - headEnd} body bytes");
            received.Write(buffer, 0, n);
        }

        Assert.Equal(Body, received.ToArray().AsSpan(headEnd).ToArray());

        // The send loop gives its reference back once the last byte is on the socket: only the new entry's file is left.
        await WaitUntilAsync(() => memory.BodyFiles == 1);
        Assert.Equal(Size, memory.BodyFileBytes);
        Assert.True(memory.Bytes < 2L * Size);
    }

    [Fact]
    public async Task When_no_memory_file_can_be_made_the_body_stays_in_an_array_and_is_served_as_before()
    {
        await using var server = await StartAsync();
        var counters = server.App.Services.GetRequiredService<DirectSendCounters>();
        var memory = Memory(server);
        memory.Files.CreateFault = () => new IOException("injected: memfd_create failed (ENFILE)");

        await WarmAsync(server);
        var before = counters.DirectSends;
        var hit = await server.Client.GetByteArrayAsync("/big.bin");

        // A hit from the tier (the origin saw one request), sent from the array (the memory direct path).
        Assert.Equal(Body, hit);
        Assert.Equal(1, Origin.Hits("/big.bin"));
        Assert.Equal(before + 1, counters.DirectSends);
        Assert.Equal(1, memory.Count);
        Assert.Equal(0, memory.BodyFiles);
        Assert.True(memory.Files.Fallbacks >= 1);
    }

    private Task<InProcessServer> StartAsync() => InProcessServer.StartAsync(new Dictionary<string, string?>
    {
        ["Origin"] = Origin.BaseUri.ToString(),
        ["Store"] = "memory",
        ["MemorySize"] = "256MB",
        ["MemoryFileThreshold"] = "64KB",
    });

    private static MemoryStore Memory(InProcessServer server)
    {
        Assert.True(OperatingSystem.IsLinux(), "memory files are Linux's; these tests run there");
        return Assert.IsType<MemoryStore>(Assert.IsType<PurgeFencedStore>(server.App.Services.GetRequiredService<ICacheStore>()).Inner);
    }

    private static int IndexOf(MemoryStream stream, ReadOnlySpan<byte> needle)
    {
        var at = stream.GetBuffer().AsSpan(0, (int)stream.Length).IndexOf(needle);
        Assert.True(at >= 0, "no response head in the first bytes");
        return at;
    }
}
