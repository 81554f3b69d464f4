using System.Net;
using System.Security.Cryptography;
using EdgeCache.AspNetCore.Hosting;
using EdgeCache.Testing;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Server.Tests;

public sealed class ExampleHandlerTests
{
    [Fact]
    public async Task A_miss_is_fetched_with_s_maxage_10_appended_and_the_next_request_is_a_hit()
    {
        await using var origin = await TestOrigin.StartAsync();
        await using var server = await InProcessServer.StartAsync(new Dictionary<string, string?>
        {
            ["Origin"] = origin.BaseUri.ToString(),
            ["Handler"] = "example",
        });

        using var miss = await server.Client.GetAsync("/doc?q=1");
        Assert.Equal("public, max-age=60, s-maxage=10", string.Join(", ", miss.Headers.GetValues("Cache-Control")));
        Assert.False(miss.Headers.Contains("cf-cache-status"));
        await server.App.Services.GetRequiredService<WaitUntilTracker>().DrainAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        using var hit = await server.Client.GetAsync("/doc?q=1");
        Assert.Equal("HIT", hit.Headers.GetValues("cf-cache-status").Single());
        Assert.Equal("/doc v1", await hit.Content.ReadAsStringAsync());
        Assert.Equal(1, origin.Hits("/doc"));
    }

    [Fact]
    public async Task A_1_GB_origin_body_passes_through_intact_while_the_server_stays_under_300_MB()
    {
        const long size = 1L << 30;
        await using var origin = await TestOrigin.StartAsync();
        origin.Route("/huge", async (ctx, _) =>
        {
            ctx.Response.ContentLength = size;
            ctx.Response.Headers.CacheControl = "public, max-age=60";
            var chunk = new byte[64 * 1024];
            for (long sent = 0; sent < size; sent += chunk.Length)
            {
                Pattern(chunk, sent);
                await ctx.Response.Body.WriteAsync(chunk);
            }
        });
        await using var server = await ServerProcess.StartAsync(["--origin", origin.BaseUri.ToString(), "--handler", "example", "--store", "memory"]);

        using var client = new HttpClient { Timeout = TimeSpan.FromMinutes(3) };
        using var response = await client.GetAsync(new Uri(server.BaseUri, "/huge"), HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(size, total);
        Assert.Equal(ExpectedHash(size), Convert.ToHexString(hash.GetHashAndReset()));
        var peak = server.PeakRssBytes();
        Assert.True(peak < 300L * 1024 * 1024, $"peak RSS {peak / (1024 * 1024)} MB");
    }

    private static void Pattern(byte[] chunk, long offset)
    {
        for (var i = 0; i < chunk.Length; i++)
        {
            chunk[i] = (byte)((offset + i) * 31 >> 3);
        }
    }

    private static string ExpectedHash(long size)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = new byte[64 * 1024];
        for (long sent = 0; sent < size; sent += chunk.Length)
        {
            Pattern(chunk, sent);
            hash.AppendData(chunk);
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }
}
