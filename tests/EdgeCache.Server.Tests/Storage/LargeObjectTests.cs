using System.Net;
using System.Net.Http.Headers;
using EdgeCache.Testing;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Server.Tests.Storage;

/// <summary>A 1 GB object through the disk tier: stored, served whole and as ranges, with bounded server memory.</summary>
public sealed class LargeObjectTests
{
    private const long Size = 1L << 30;
    private const long MemoryCeiling = 300L * 1024 * 1024;

    // The body repeats a random block of a prime length, so any range can be checked without holding the body.
    private const int PatternLength = 65_521;
    private static readonly byte[] Pattern = CreatePattern();

    [Fact]
    [Trait("Category", "Large")]
    public async Task One_gigabyte_object_is_cached_on_disk_and_served_whole_and_as_ranges_with_server_memory_under_300_MB()
    {
        await using var origin = await TestOrigin.StartAsync();
        origin.Route("/big", async (context, _) =>
        {
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = Size;
            context.Response.Headers.CacheControl = "public, max-age=3600";
            for (long offset = 0; offset < Size; offset += PatternLength)
            {
                await context.Response.Body.WriteAsync(Pattern.AsMemory(0, (int)Math.Min(PatternLength, Size - offset)), context.RequestAborted);
            }
        });
        using var directory = new StorageDirectory();
        await using var server = await ServerProcess.StartAsync(origin.BaseUri, directory.Path, "disk", ["--disk-size", "3GB", "--max-object-size", "2GB"]);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(120) };
        var url = new Uri(server.BaseUri, "/big");

        // Miss: streamed from the origin to the client and into the disk tier at once.
        try
        {
            await AssertBodyAsync(client, url, range: null, expectedOffset: 0, expectedLength: Size, expectedStatus: "MISS");
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException("Fetching through the server failed; its output:" + Environment.NewLine + server.Output, ex);
        }

        await directory.WaitForEntriesAsync(1, TimeSpan.FromSeconds(60));

        // Hits: whole, a prefix, a window in the middle, a suffix.
        await AssertBodyAsync(client, url, range: null, expectedOffset: 0, expectedLength: Size, expectedStatus: "HIT");
        await AssertBodyAsync(client, url, new RangeHeaderValue(0, 99), 0, 100, "HIT");
        await AssertBodyAsync(client, url, new RangeHeaderValue(536_870_000, 537_918_575), 536_870_000, 1_048_576, "HIT");
        await AssertBodyAsync(client, url, new RangeHeaderValue(null, 1000), Size - 1000, 1000, "HIT");

        Assert.Equal(1, origin.Hits("/big"));
        var peak = server.PeakRssBytes();
        Assert.True(peak < MemoryCeiling, $"The server's peak resident memory was {peak / (1024 * 1024)} MB.");
    }

    private static async Task AssertBodyAsync(HttpClient client, Uri url, RangeHeaderValue? range, long expectedOffset, long expectedLength, string expectedStatus)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Range = range;
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(range is null ? HttpStatusCode.OK : HttpStatusCode.PartialContent, response.StatusCode);
        if (expectedStatus == "HIT")
        {
            Assert.Equal("HIT", string.Join(",", response.Headers.GetValues("cf-cache-status")));
        }

        Assert.Equal(expectedLength, response.Content.Headers.ContentLength);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[256 * 1024];
        var position = expectedOffset;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            Assert.True(position + read <= expectedOffset + expectedLength, "The body is longer than announced.");
            AssertMatchesPattern(buffer.AsSpan(0, read), position);
            position += read;
        }

        Assert.Equal(expectedOffset + expectedLength, position);
    }

    private static void AssertMatchesPattern(ReadOnlySpan<byte> received, long offset)
    {
        while (!received.IsEmpty)
        {
            var start = (int)(offset % PatternLength);
            var count = Math.Min(received.Length, PatternLength - start);
            if (!received[..count].SequenceEqual(Pattern.AsSpan(start, count)))
            {
                Assert.Fail($"The body differs from the origin's within the {count} bytes at offset {offset}.");
            }

            received = received[count..];
            offset += count;
        }
    }

    private static byte[] CreatePattern()
    {
        var pattern = new byte[PatternLength];
        new Random(42).NextBytes(pattern);
        return pattern;
    }
}
