using System.Net;
using EdgeCache.Testing;

namespace EdgeCache.Server.Tests.Hosting;

/// <summary>
/// The server as its own process with the heap limit it derives (--heap-limit auto, also the tightest one it accepts): filling the memory tier several times
/// over, from many connections at once, with bodies of every kind the tier keeps in the heap (declared lengths, chunked,
/// up to the tier's largest object), fails no request: the tier evicts within its budget and the GC never runs out.
/// </summary>
public sealed class HeapLimitUnderLoadTests : IAsyncLifetime
{
    // A 16 MB tier: the derived limit, 16 + 2 x 4 (collapse buffers) + 64 = 88 MB of heap for the whole process.
    private const string MemorySize = "16MB";

    private TestOrigin _origin = null!;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _origin.Route("/object", async (context, _) =>
        {
            var seed = int.Parse(context.Request.Query["n"]!, System.Globalization.CultureInfo.InvariantCulture);
            var size = int.Parse(context.Request.Query["size"]!, System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers.CacheControl = "public, max-age=3600";
            context.Response.ContentType = "application/octet-stream";
            if (context.Request.Query["chunked"] != "1")
            {
                context.Response.ContentLength = size;
            }

            var body = Body(seed, size);
            for (var offset = 0; offset < body.Length; offset += 32 * 1024)
            {
                await context.Response.Body.WriteAsync(body.AsMemory(offset, Math.Min(32 * 1024, body.Length - offset)));
            }
        });
    }

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    [Fact]
    public async Task Filling_the_memory_tier_several_times_over_under_concurrent_misses_fails_no_request()
    {
        // Every body in a managed array (no memory files): all of the tier is on the GC heap the limit bounds.
        await using var server = await ServerProcess.StartAsync(
            ["--origin", _origin.BaseUri.ToString(), "--store", "memory", "--memory-size", MemorySize, "--heap-limit", "auto"],
            environment: new Dictionary<string, string> { ["EDGECACHE__MEMORYFILETHRESHOLD"] = "off" });
        Assert.Contains("GC heap hard limit set to 88 MiB (--heap-limit auto)", server.Output, StringComparison.Ordinal);

        // About 260 MB of distinct objects, sixteen times the tier: 10 KB and 64 KB with lengths, 100 KB and 1.9 MB chunked, and 1.5 MB
        // (below the tier's 2 MB largest object, so each is kept and later evicted).
        var requests = new List<(int Seed, int Size, bool Chunked)>();
        for (var i = 0; i < 2000; i++)
        {
            requests.Add((i, 10 * 1024, false));
        }

        for (var i = 0; i < 300; i++)
        {
            requests.Add((10_000 + i, 64 * 1024, false));
            requests.Add((20_000 + i, 100 * 1024, true));
        }

        for (var i = 0; i < 16; i++)
        {
            requests.Add((30_000 + i, 1536 * 1024, false));
        }

        // Chunked bodies near the tier's largest object, many at once: each would hold its collapse buffer and its memory
        // writer's array, 32 of them three times the heap, unless the in-flight budget makes the latecomers stream through.
        for (var i = 0; i < 96; i++)
        {
            requests.Add((40_000 + i, 1900 * 1024, true));
        }

        // The large chunked ones first, 32 at a time, then the rest in a mixed order.
        var shuffled = requests.OrderBy(r => r.Seed is >= 40_000 ? 0 : 1).ThenBy(r => HashCode.Combine(r.Seed, 17)).ToArray();
        using var client = new HttpClient { BaseAddress = server.BaseUri, Timeout = TimeSpan.FromSeconds(60) };
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var next = -1;
        var workers = Enumerable.Range(0, 32).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < shuffled.Length)
            {
                // A third of the requests ask for an object again: a hit, or a miss once it was evicted.
                var (seed, size, chunked) = shuffled[index % 3 == 2 && index > 200 ? index / 2 : index];
                var path = $"/object?n={seed}&size={size}{(chunked ? "&chunked=1" : string.Empty)}";
                try
                {
                    using var response = await client.GetAsync(path);
                    var body = await response.Content.ReadAsByteArrayAsync();
                    if (response.StatusCode != HttpStatusCode.OK || !body.AsSpan().SequenceEqual(Body(seed, size)))
                    {
                        failures.Enqueue($"{path}: {(int)response.StatusCode}, {body.Length} bytes");
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    failures.Enqueue($"{path}: {ex.Message}");
                }
            }
        });
        await Task.WhenAll(workers);

        Assert.True(failures.IsEmpty, $"{failures.Count} of {shuffled.Length} requests failed, e.g. {string.Join("; ", failures.Take(5))}\n{server.Output}");
        Assert.DoesNotContain("OutOfMemory", server.Output, StringComparison.Ordinal);
    }

    private static byte[] Body(int seed, int size)
    {
        var body = new byte[size];
        new Random(seed).NextBytes(body);
        return body;
    }
}
