using System.Text;
using EdgeCache.Storage;

namespace EdgeCache.Redis.Tests;

/// <summary>Builds entries and stores them.</summary>
public static class Entries
{
    public static EntryMetadata Metadata(string url, TimeSpan? lifetime = null, params string[] tags)
    {
        var now = DateTimeOffset.UtcNow;
        return new EntryMetadata
        {
            Key = url,
            Url = url,
            Host = new Uri(url).Host,
            StatusCode = 200,
            Headers = [new("Content-Type", "text/plain"), new("Cache-Control", "max-age=60")],
            RequestTime = now,
            ResponseTime = now,
            FreshnessLifetime = TimeSpan.FromSeconds(60),
            ExpiresAt = now + (lifetime ?? TimeSpan.FromMinutes(5)),
            Tags = tags,
        };
    }

    public static async Task<bool> PutAsync(ICacheStore store, EntryMetadata metadata, byte[] body)
    {
        await using var writer = await store.BeginWriteAsync(metadata with { BodyLength = body.Length });
        if (writer is null)
        {
            return false;
        }

        return await writer.WriteAsync(body) && await writer.CommitAsync();
    }

    public static Task<bool> PutAsync(ICacheStore store, string url, string body = "hello", params string[] tags)
        => PutAsync(store, Metadata(url, null, tags), Encoding.UTF8.GetBytes(body));

    public static async Task<string?> BodyAsync(ICacheStore store, string key)
    {
        var entry = await store.GetAsync(key);
        if (entry is null)
        {
            return null;
        }

        using var reader = new StreamReader(entry.OpenBody());
        return await reader.ReadToEndAsync();
    }

    public static string Prefix() => "ectest:" + Guid.NewGuid().ToString("N")[..12] + ":";
}
