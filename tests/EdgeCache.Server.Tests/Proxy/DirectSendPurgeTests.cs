using System.Net.Sockets;
using System.Text;
using EdgeCache.AspNetCore.Hosting;
using EdgeCache.Storage;
using EdgeCache.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.Server.Tests.Proxy;

/// <summary>
/// A direct body's response ends before its bytes have gone out (the output sends them after), so the bytes
/// must not depend on the entry staying in the store: a purge while a client is still reading a large hit
/// from the memory tier (the stored array) or the disk tier (a body file that the purge unlinks) must leave
/// that client's body whole, and the next request must miss.
/// </summary>
public sealed class DirectSendPurgeTests() : LargeBodyOriginTests(Body, "edgecache-purge-")
{
    // Larger than the loopback socket buffers can absorb, so the send is still under way at the purge.
    private const int Size = 24 * 1024 * 1024;
    private static readonly byte[] Body = CreateBody(Size, seed: 21);

    [Theory]
    [InlineData("memory")]
    [InlineData("disk")]
    public async Task A_purge_while_a_direct_body_is_being_sent_leaves_that_body_whole(string store)
    {
        await using var server = await InProcessServer.StartAsync(new Dictionary<string, string?>
        {
            ["Origin"] = Origin.BaseUri.ToString(),
            ["Store"] = store,
            ["DataDir"] = DataDir,
            ["MemorySize"] = "256MB",
        });
        var counters = server.App.Services.GetRequiredService<DirectSendCounters>();
        Assert.Equal(Body, await server.Client.GetByteArrayAsync("/big.bin"));
        await server.DrainAsync();
        var sendsBefore = counters.DirectSends;

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

        Assert.Equal(sendsBefore + 1, counters.DirectSends);
        Assert.True(await server.App.Services.GetRequiredService<ICacheStore>().PurgeAsync(PurgeRequest.Everything) >= 1);
        await server.Client.GetByteArrayAsync("/big.bin");
        Assert.Equal(2, Origin.Hits("/big.bin"));

        var headEnd = IndexOf(received, "\r\n\r\n"u8) + 4;
        while (received.Length < headEnd + Size)
        {
            var n = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(n > 0, $"the connection closed after {received.Length - headEnd} body bytes");
            received.Write(buffer, 0, n);
        }

        Assert.Equal(Body, received.ToArray().AsSpan(headEnd).ToArray());
    }

    private static int IndexOf(MemoryStream stream, ReadOnlySpan<byte> needle)
    {
        var at = stream.GetBuffer().AsSpan(0, (int)stream.Length).IndexOf(needle);
        Assert.True(at >= 0, "no response head in the first bytes");
        return at;
    }
}
