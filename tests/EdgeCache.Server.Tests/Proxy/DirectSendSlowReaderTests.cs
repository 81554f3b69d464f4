using System.Net.Sockets;
using System.Text;
using EdgeCache.AspNetCore.Hosting;
using EdgeCache.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.Server.Tests.Proxy;

/// <summary>
/// A direct body (sendfile or send past Kestrel's pipe) bypasses Kestrel's own minimum-response-data-rate
/// check, so the direct sender enforces it: a client that opens a large hit and stops reading must lose its
/// connection once the rate's grace period plus the body at that rate has passed, and the server must serve
/// others meanwhile. Without the limit the stalled connection stays open for ever and the wait below times out.
/// </summary>
public sealed class DirectSendSlowReaderTests() : LargeBodyOriginTests(Body, "edgecache-slow-")
{
    // Larger than the loopback socket buffers can absorb, so a client that does not read blocks the send.
    private const int Size = 24 * 1024 * 1024;
    private static readonly byte[] Body = CreateBody(Size, seed: 20);

    [Theory]
    [InlineData("memory")]
    [InlineData("disk")]
    public async Task A_client_that_stops_reading_a_direct_body_is_cut_off_at_the_minimum_data_rate(string store)
    {
        // 8 MB/s after a 2 s grace: the 24 MB body may take 5 s; a client reading nothing is far below that.
        await using var server = await InProcessServer.StartAsync(
            new Dictionary<string, string?>
            {
                ["Origin"] = Origin.BaseUri.ToString(),
                ["Store"] = store,
                ["DataDir"] = DataDir,
                ["MemorySize"] = "256MB",
            },
            services => services.Configure<KestrelServerOptions>(k => k.Limits.MinResponseDataRate = new MinDataRate(8 * 1024 * 1024, TimeSpan.FromSeconds(2))));
        var counters = server.App.Services.GetRequiredService<DirectSendCounters>();
        Assert.Equal(Body.Length, (await server.Client.GetByteArrayAsync("/big.bin")).Length);
        await server.DrainAsync();
        await WaitUntilAsync(() => counters.OpenConnections <= 1, TimeSpan.FromSeconds(10));
        var openBefore = counters.OpenConnections;
        var sendsBefore = counters.DirectSends;

        using var stalled = new TcpClient { ReceiveBufferSize = 4096 };
        await stalled.ConnectAsync(server.BaseUri.Host, server.BaseUri.Port);
        var stream = stalled.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        var head = new byte[1024];
        Assert.True(await stream.ReadAsync(head) > 0);
        await WaitUntilAsync(() => counters.DirectSends > sendsBefore, TimeSpan.FromSeconds(10));

        // While one client stalls, another gets the whole body.
        using (var other = new HttpClient { BaseAddress = server.BaseUri, Timeout = TimeSpan.FromSeconds(30) })
        {
            Assert.Equal(Body, await other.GetByteArrayAsync("/big.bin"));
        }

        // The stalled connection is aborted by the server (not by this client, which never closes it here).
        await WaitUntilAsync(() => counters.OpenConnections <= openBefore, TimeSpan.FromSeconds(30));
        var read = await DrainUntilClosedAsync(stream);
        Assert.True(read < Body.Length, $"the stalled client got {read} bytes, the whole body or more");
    }

    /// <summary>Reads what the kernel still holds; returns the byte count once the server's close arrives.</summary>
    private static async Task<long> DrainUntilClosedAsync(NetworkStream stream)
    {
        var buffer = new byte[64 * 1024];
        long total = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                total += n;
            }
        }
        catch (IOException)
        {
            // A reset after the abort is a close too.
        }

        return total;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
