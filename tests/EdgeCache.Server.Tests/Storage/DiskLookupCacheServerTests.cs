using System.Net.Http.Headers;
using System.Text;
using EdgeCache.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.Server.Tests.Storage;

/// <summary>
/// Through a real server on the disk store: a body in a file of its own is sent from the open file the disk tier keeps
/// after a hit, whole and as a range, and a purge or a replacement is never hidden by that open file.
/// </summary>
public sealed class DiskLookupCacheServerTests : IAsyncLifetime
{
    private const int Size = 200_000;
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "edgecache-lookup-" + Guid.NewGuid().ToString("N"));
    private TestOrigin _origin = null!;
    private InProcessServer? _server;
    private int _version = 1;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _origin.Route("/big", async (context, _) =>
        {
            context.Response.ContentType = "application/octet-stream";
            context.Response.Headers.CacheControl = "public, max-age=3600";
            var body = Body(Volatile.Read(ref _version));
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        });
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        await _origin.DisposeAsync();
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    [Theory]
    [InlineData("disk")]
    [InlineData("tiered")]
    public async Task Hits_from_the_kept_file_are_whole_and_a_purge_then_serves_the_new_body(string store)
    {
        // Tiered: a body over the memory tier's 64 KB object limit (the server's default over disk) lives on disk only.
        _server = await InProcessServer.StartAsync(new Dictionary<string, string?>
        {
            ["Origin"] = _origin.BaseUri.ToString(),
            ["AdminToken"] = "s3cret",
            ["Store"] = store,
            ["DataDir"] = _dataDir,
        });
        await AssertGetAsync("MISS", 1);
        await _server!.DrainAsync();
        await AssertGetAsync("HIT", 1);
        await AssertGetAsync("HIT", 1);

        using (var range = new HttpRequestMessage(HttpMethod.Get, "/big"))
        {
            range.Headers.Range = new RangeHeaderValue(150_000, 150_099);
            using var partial = await _server!.Client.SendAsync(range);
            Assert.Equal(System.Net.HttpStatusCode.PartialContent, partial.StatusCode);
            Assert.Equal(Body(1).AsSpan(150_000, 100).ToArray(), await partial.Content.ReadAsByteArrayAsync());
        }

        Volatile.Write(ref _version, 2);
        using var admin = new HttpClient { BaseAddress = _server!.AdminUri };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret");
        using var purge = await admin.PostAsync("/purge_cache", new StringContent($$"""{"files": ["{{new Uri(_server!.BaseUri, "/big")}}"]}""", Encoding.UTF8, "application/json"));
        purge.EnsureSuccessStatusCode();

        await AssertGetAsync("MISS", 2);
        await _server!.DrainAsync();
        await AssertGetAsync("HIT", 2);
        Assert.Equal(2, _origin.Hits("/big"));
        if (_server!.App.Services.GetRequiredService<EdgeCache.Storage.ICacheStore>() is EdgeCache.Storage.TieredStore tiered)
        {
            Assert.Equal(0, tiered.Memory.GetStatistics().Entries);
        }
    }

    private async Task AssertGetAsync(string status, int version)
    {
        using var response = await _server!.Client.GetAsync("/big");
        response.EnsureSuccessStatusCode();
        Assert.Equal(Body(version), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(status, response.Headers.GetValues("cf-cache-status").Single());
    }

    private static byte[] Body(int version)
    {
        var body = new byte[Size];
        new Random(version).NextBytes(body);
        return body;
    }
}
