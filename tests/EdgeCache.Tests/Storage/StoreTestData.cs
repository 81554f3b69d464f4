using EdgeCache.Storage;

namespace EdgeCache.Tests.Storage;

/// <summary>Entries and bodies for store tests.</summary>
internal static class StoreTestData
{
    public static readonly DateTimeOffset Epoch = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A deterministic pseudo-random body.</summary>
    public static byte[] Body(int seed, int length)
    {
        var body = new byte[length];
        new Random(seed).NextBytes(body);
        return body;
    }

    public static EntryMetadata Metadata(string url, string? host = null, string[]? tags = null, TimeSpan? ttl = null, DateTimeOffset? now = null)
    {
        var time = now ?? Epoch;
        return new EntryMetadata
        {
            Key = url,
            Url = url,
            Host = host ?? new Uri(url).Host,
            StatusCode = 200,
            Headers = [new("Content-Type", "application/octet-stream")],
            RequestTime = time,
            ResponseTime = time,
            FreshnessLifetime = ttl ?? TimeSpan.FromHours(1),
            ExpiresAt = time + (ttl ?? TimeSpan.FromHours(1)),
            Tags = tags ?? [],
        };
    }

    /// <summary>Writes a body in chunks and commits; <see langword="false"/> when the store declined at any step.</summary>
    public static async Task<bool> PutAsync(ICacheStore store, EntryMetadata metadata, byte[] body, int chunkSize = 65536)
    {
        var writer = await store.BeginWriteAsync(metadata);
        if (writer is null)
        {
            return false;
        }

        await using (writer)
        {
            for (var offset = 0; offset < body.Length; offset += chunkSize)
            {
                if (!await writer.WriteAsync(body.AsMemory(offset, Math.Min(chunkSize, body.Length - offset))))
                {
                    return false;
                }
            }

            return await writer.CommitAsync();
        }
    }

    public static async Task<byte[]> ReadBodyAsync(CacheEntry entry)
    {
        await using var body = entry.OpenBody();
        using var copy = new MemoryStream();
        await body.CopyToAsync(copy);
        return copy.ToArray();
    }
}
