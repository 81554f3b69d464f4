using EdgeCache.Storage;

namespace EdgeCache.Benchmarks;

/// <summary>Entries and bodies the benchmarks store.</summary>
internal static class BenchData
{
    public static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    public static byte[] Body(int length)
    {
        var body = new byte[length];
        new Random(length).NextBytes(body);
        return body;
    }

    public static EntryMetadata Metadata(string url, long bodyLength = -1) => new()
    {
        Key = url,
        Url = url,
        Host = "bench.example",
        StatusCode = 200,
        Headers = [new("Content-Type", "application/octet-stream"), new("Cache-Control", "public, max-age=3600")],
        RequestTime = Now,
        ResponseTime = Now,
        FreshnessLifetime = TimeSpan.FromHours(1),
        ExpiresAt = DateTimeOffset.MaxValue,
        BodyLength = bodyLength,
    };

    public static async Task<bool> PutAsync(ICacheStore store, EntryMetadata metadata, byte[] body)
    {
        var writer = await store.BeginWriteAsync(metadata).ConfigureAwait(false);
        if (writer is null)
        {
            return false;
        }

        await using (writer.ConfigureAwait(false))
        {
            for (var offset = 0; offset < body.Length; offset += 64 * 1024)
            {
                await writer.WriteAsync(body.AsMemory(offset, Math.Min(64 * 1024, body.Length - offset))).ConfigureAwait(false);
            }

            return await writer.CommitAsync().ConfigureAwait(false);
        }
    }

    public static string TempDirectory(string name) => Path.Combine(Path.GetTempPath(), "edgecache-bench", name + "-" + Guid.NewGuid().ToString("N"));
}
