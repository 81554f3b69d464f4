using System.Net;
using EdgeCache.Server.Tests.Storage;
using EdgeCache.Testing;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Server.Tests;

/// <summary>
/// Issue 16: a 1 GB origin body through <c>edgecache --worker</c>, returned by the script and, in the reference
/// example, through <c>response.clone()</c> + <c>cache.put</c>, with the server's peak RSS under 300 MB (a body
/// the script never reads is piped in C#, never buffered).
/// </summary>
public sealed class WorkerLargeBodyTests
{
    private const long Size = 1L << 30;
    private const long MemoryCeiling = 300L * 1024 * 1024;

    [Theory]
    [Trait("Category", "Large")]
    [InlineData("pass-through")]
    [InlineData("reference-example")]
    public async Task A_one_gigabyte_origin_body_goes_through_a_worker_with_server_memory_under_300_MB(string worker)
    {
        var block = new byte[64 * 1024];
        new Random(16).NextBytes(block);
        await using var origin = await TestOrigin.StartAsync();
        origin.Route("/big", async (context, _) =>
        {
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = Size;
            context.Response.Headers.CacheControl = "public, max-age=3600";
            for (long offset = 0; offset < Size; offset += block.Length)
            {
                await context.Response.Body.WriteAsync(block, context.RequestAborted);
            }
        });
        using var directory = new StorageDirectory();
        var script = Path.Combine(directory.Path, "..", Guid.NewGuid().ToString("N") + ".js");
        await File.WriteAllTextAsync(script, worker == "pass-through"
            ? "export default { async fetch(request) { const r = await fetch(request); return new Response(r.body, r); } };"
            : await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Shared, "reference", "cache-api-example.js")));
        try
        {
            await using var server = await ServerProcess.StartAsync(origin.BaseUri, directory.Path, "disk", ["--worker", script, "--disk-size", "3GB", "--max-object-size", "2GB"]);
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(180) };

            using (var response = await client.GetAsync(new Uri(server.BaseUri, "/big"), HttpCompletionOption.ResponseHeadersRead))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal(Size, await CountAndCheckAsync(response, block));
            }

            if (worker == "reference-example")
            {
                // The clone went into the cache (waitUntil) whole. Read from the disk tier's body file rather than
                // by a second request: the example stores with s-maxage=10, and on a loaded machine the 1 GB put
                // can take longer than that, so a second request may rightly find the entry stale.
                await directory.WaitForEntriesAsync(1, TimeSpan.FromSeconds(120));
                var file = Assert.Single(directory.BodyFiles());
                await using var stored = file.OpenRead();
                Assert.Equal(Size, await CountAndCheckAsync(stored, block));
                Assert.Equal(1, origin.Hits("/big"));
            }

            var peak = server.PeakRssBytes();
            Assert.True(peak < MemoryCeiling, $"The server's peak resident memory was {peak / (1024 * 1024)} MB.");
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static async Task<long> CountAndCheckAsync(HttpResponseMessage response, byte[] block)
    {
        await using var body = await response.Content.ReadAsStreamAsync();
        return await CountAndCheckAsync(body, block);
    }

    private static async Task<long> CountAndCheckAsync(Stream body, byte[] block)
    {
        var buffer = new byte[256 * 1024];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            for (var i = 0; i < read; i += 4099)
            {
                Assert.True(buffer[i] == block[(total + i) % block.Length], $"The body differs from the origin's at offset {total + i}.");
            }

            total += read;
        }

        return total;
    }
}
