using EdgeCache.Testing;

namespace EdgeCache.Server.Tests.Proxy;

/// <summary>
/// What the direct-send tests share: a real origin serving one large body at <c>/big.bin</c> (cacheable for an
/// hour, with its length), and a data directory for the disk tier, removed afterwards.
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
