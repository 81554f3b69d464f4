using System.Globalization;
using EdgeCache.Storage;

namespace EdgeCache.StoreCrashChild;

/// <summary>What the crash child writes, so that the parent can check every entry it finds.</summary>
public static class CrashEntries
{
    /// <summary>Keys are reused, so crashes also hit replacements of existing entries.</summary>
    public const int KeyCount = 300;

    public static string Key(int version) => $"https://crash.test/{version % KeyCount}";

    /// <summary>The body of a version: deterministic bytes of a length between 1 KB and about 300 KB.</summary>
    public static byte[] Body(int version)
    {
        var body = new byte[1024 + ((version * 7919) % 300_000)];
        new Random(version).NextBytes(body);
        return body;
    }

    public static EntryMetadata Metadata(int version)
    {
        var now = DateTimeOffset.UnixEpoch.AddYears(56);
        return new EntryMetadata
        {
            Key = Key(version),
            Url = Key(version),
            Host = "crash.test",
            StatusCode = 200,
            Headers = [new("X-Version", version.ToString(CultureInfo.InvariantCulture))],
            RequestTime = now,
            ResponseTime = now,
            ExpiresAt = DateTimeOffset.MaxValue,
            BodyLength = Body(version).Length,
        };
    }
}
