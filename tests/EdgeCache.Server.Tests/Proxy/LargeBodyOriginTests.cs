using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeCache.AspNetCore.Hosting;
using EdgeCache.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.Server.Tests.Proxy;

/// <summary>
/// What the direct-send tests share: a real origin serving one large body at <c>/big.bin</c> (cacheable for an
/// hour, with its length), a data directory for the disk tier (removed afterwards), the server in front of them,
/// and the exchanges that more than one of those tests makes (a client that hangs up mid-body, TLS).
/// </summary>
public abstract class LargeBodyOriginTests(byte[] body, string dataDirectoryPrefix) : IAsyncLifetime
{
    protected string DataDir { get; } = Path.Combine(Path.GetTempPath(), dataDirectoryPrefix + Guid.NewGuid().ToString("N"));

    protected TestOrigin Origin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Origin = await TestOrigin.StartAsync();
        Origin.Route("/big.bin", async (context, _) =>
        {
            context.Response.Headers.CacheControl = "public, max-age=3600";
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body);
        });
    }

    public async Task DisposeAsync()
    {
        await Origin.DisposeAsync();
        if (Directory.Exists(DataDir))
        {
            Directory.Delete(DataDir, recursive: true);
        }
    }

    /// <summary>A server in front of <see cref="Origin"/> with <paramref name="settings"/> (and <see cref="DataDir"/> for a disk tier).</summary>
    private protected Task<InProcessServer> StartServerAsync(Dictionary<string, string?> settings)
    {
        var all = new Dictionary<string, string?> { ["Origin"] = Origin.BaseUri.ToString(), ["DataDir"] = DataDir };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return InProcessServer.StartAsync(all);
    }

    private protected static DirectSendCounters Counters(InProcessServer server) => server.App.Services.GetRequiredService<DirectSendCounters>();

    /// <summary>
    /// Sends <paramref name="requests"/> pipelined GETs of <c>/big.bin</c> on one connection with a small receive buffer,
    /// reads <paramref name="readBytes"/> of the answers and resets the connection (a reset, not a polite close: the
    /// server's send fails while most of what it queued is unsent).
    /// </summary>
    private protected static async Task HangUpMidBodyAsync(InProcessServer server, int requests, int readBytes)
    {
        using var tcp = new TcpClient { ReceiveBufferSize = 4096 };
        await tcp.ConnectAsync(server.BaseUri.Host, server.BaseUri.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", requests))));
        var buffer = new byte[8192];
        var read = 0;
        while (read < readBytes)
        {
            var n = await stream.ReadAsync(buffer);
            Assert.True(n > 0);
            read += n;
        }

        tcp.Client.LingerState = new LingerOption(true, 0);
        tcp.Close();
    }

    /// <summary>
    /// Over TLS (HTTP/2 twice, then HTTP/1.1) a server with <paramref name="settings"/> answers <c>/big.bin</c> whole and,
    /// when <paramref name="suffixLength"/> is given, its last bytes, exactly and on the ordinary path (no direct send),
    /// from one origin fetch; <paramref name="after"/> then looks at the server.
    /// </summary>
    private protected async Task AssertTlsTakesTheOrdinaryPathAsync(Dictionary<string, string?> settings, int? suffixLength = null, Action<InProcessServer>? after = null)
    {
        using var certificates = TestCertificates.Create();
        settings["Listen"] = "https://127.0.0.1:0";
        settings["CertificatePath"] = certificates.ServerPemPath;
        settings["CertificateKeyPath"] = certificates.ServerKeyPath;
        await using var server = await StartServerAsync(settings);
        using var client = new HttpClient(certificates.TrustingHandler()) { BaseAddress = server.BaseUri };

        foreach (var version in new[] { HttpVersion.Version20, HttpVersion.Version20, HttpVersion.Version11 })
        {
            if (suffixLength is { } suffix)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/big.bin") { Version = version, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
                request.Headers.TryAddWithoutValidation("Range", $"bytes=-{suffix}");
                using var partial = await client.SendAsync(request);
                Assert.Equal(version, partial.Version);
                Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
                Assert.Equal(body.AsSpan(body.Length - suffix).ToArray(), await partial.Content.ReadAsByteArrayAsync());
            }

            using var whole = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/big.bin") { Version = version, VersionPolicy = HttpVersionPolicy.RequestVersionExact });
            Assert.Equal(version, whole.Version);
            Assert.Equal(body, await whole.Content.ReadAsByteArrayAsync());
            await server.DrainAsync();
        }

        Assert.Equal(1, Origin.Hits("/big.bin"));
        Assert.Equal(0, Counters(server).DirectSends);
        after?.Invoke(server);
    }

    /// <summary>A deterministic pseudo-random body.</summary>
    protected static byte[] CreateBody(int size, int seed)
    {
        var created = new byte[size];
        new Random(seed).NextBytes(created);
        return created;
    }

    /// <summary>Fetches <c>/big.bin</c> once through the server and waits until the tier holds it.</summary>
    private protected async Task WarmAsync(InProcessServer server)
    {
        Assert.Equal(body, await server.Client.GetByteArrayAsync("/big.bin"));
        await server.DrainAsync();
        Assert.Equal(1, Origin.Hits("/big.bin"));
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails after 10 s.</summary>
    protected static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
