using System.Net.Sockets;
using System.Text;
using EdgeCache.Storage;
using EdgeCache.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.Server.Tests.Proxy;

/// <summary>
/// Memory-tier bodies under 64 KB live in native blocks that the tier reuses as soon as an entry is gone. A client
/// pipelines more hits on one than the socket buffers hold and does not read, so the server is held in the middle of
/// its responses (Kestrel's output full, a copy waiting under the body's lease), while the entry is purged,
/// overwritten or evicted and its block wanted by a stream of other entries of the same size, each with bytes of its
/// own: every response the client then reads must be the URL's stored body (the old one, or the new one for the
/// requests the server looked up after the change), never another URL's bytes, and the tier must give the blocks back
/// once the client is done. (The lease's own races are the store tests' (MemoryStoreNativeBodyStressTests): here a
/// copy into Kestrel's output takes the bytes at once.)
/// </summary>
public sealed class NativeBodySlowReaderTests : IAsyncLifetime
{
    // Under the 64 KB native limit and the direct-send threshold: copied through Kestrel's output, 60 KB per block.
    private const int Size = 60_000;
    private const int Pipelined = 120;

    private TestOrigin _origin = null!;
    private int _generation;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _origin.Route("/n.bin", async (context, _) =>
        {
            // Each version of each URL has bytes of its own: a reused block shows as another URL's (or version's) body.
            var seed = HashCode.Combine(context.Request.QueryString.Value, Volatile.Read(ref _generation));
            context.Response.Headers.CacheControl = "public, max-age=3600";
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = Size;
            await context.Response.Body.WriteAsync(Body(seed));
        });
    }

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    [Theory]
    [InlineData("purged")]
    [InlineData("overwritten")]
    [InlineData("evicted")]
    public async Task Hits_held_by_a_client_that_does_not_read_stay_their_own_bytes_while_the_entry_goes_and_its_block_is_reused(string how)
    {
        await using var server = await InProcessServer.StartAsync(new Dictionary<string, string?>
        {
            ["Origin"] = _origin.BaseUri.ToString(),
            ["Store"] = "memory",
            ["MemorySize"] = "2MB",
        });
        var fenced = server.App.Services.GetRequiredService<ICacheStore>();
        var store = Assert.IsType<MemoryStore>(Assert.IsType<PurgeFencedStore>(fenced).Inner);
        var expected = Body(HashCode.Combine("?v=slow", 0));
        var replaced = Body(HashCode.Combine("?v=slow", 1));
        Assert.Equal(expected, await server.Client.GetByteArrayAsync("/n.bin?v=slow"));
        await server.DrainAsync();
        Assert.Equal(1, store.Count);

        using var slow = new TcpClient { ReceiveBufferSize = 4096 };
        await slow.ConnectAsync(server.BaseUri.Host, server.BaseUri.Port);
        var stream = slow.GetStream();
        var request = Encoding.ASCII.GetBytes("GET /n.bin?v=slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        for (var i = 0; i < Pipelined; i++)
        {
            await stream.WriteAsync(request);
        }

        // Give the server time to fill the socket and Kestrel's output with the first responses and block in the next copy.
        await Task.Delay(300);

        Interlocked.Increment(ref _generation);
        switch (how)
        {
            case "purged":
                Assert.True(await fenced.PurgeAsync(PurgeRequest.Everything) >= 1);
                break;
            case "overwritten":
                using (var fresh = new HttpRequestMessage(HttpMethod.Get, "/n.bin?v=slow"))
                {
                    // Revalidated at the origin, which now has other bytes: the stored entry is replaced.
                    fresh.Headers.CacheControl = new System.Net.Http.Headers.CacheControlHeaderValue { NoCache = true };
                    using var response = await server.Client.SendAsync(fresh);
                    Assert.Equal(replaced, await response.Content.ReadAsByteArrayAsync());
                }

                break;
        }

        // Other entries of the same size, more than the tier holds: they want every freed block. Each is hit once
        // after it is stored, so SIEVE's hand comes round to the slow client's entry (hit too) and evicts it as well.
        for (var i = 0; i < 80; i++)
        {
            var other = Body(HashCode.Combine($"?v={i}", 1));
            Assert.Equal(other, await server.Client.GetByteArrayAsync($"/n.bin?v={i}"));
            await server.DrainAsync();
            Assert.Equal(other, await server.Client.GetByteArrayAsync($"/n.bin?v={i}"));
        }

        await server.DrainAsync();
        for (var i = 0; i < Pipelined; i++)
        {
            var (status, body) = await Http11Wire.ReadResponseAsync(stream).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(200, status);
            Assert.True(expected.AsSpan().SequenceEqual(body) || replaced.AsSpan().SequenceEqual(body), $"response {i} of the slow client is not the body it asked for");
        }

        slow.Close();
        await WaitUntilAsync(() => store.NativeBodyBytes == store.Count * (long)NativeBodyArena.BlockSize(Size));
    }

    private static byte[] Body(int seed)
    {
        var body = new byte[Size];
        new Random(seed).NextBytes(body);
        return body;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
