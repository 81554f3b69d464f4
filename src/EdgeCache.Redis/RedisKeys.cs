using System.IO.Hashing;
using System.Text;
using StackExchange.Redis;

namespace EdgeCache.Redis;

/// <summary>
/// Key naming. An entry is one hash <c>{prefix}e:{id}</c> (fields <c>m</c> metadata, <c>b</c> body,
/// <c>i</c> soft-purge mark, <c>p</c> the writer's purge-log position), where id is the hex XxHash128 of the cache key inside a hash tag, so
/// every key of one entry lives in one cluster slot. Indexes are sorted sets scored by expiry:
/// <c>{prefix}t:{tag}</c> (members: ids) and <c>{prefix}h:{host}</c> (members: id followed by URL).
/// </summary>
internal sealed class RedisKeys(string prefix)
{
    public const int IdLength = 32;

    public static readonly RedisValue MetadataField = "m";
    public static readonly RedisValue BodyField = "b";
    public static readonly RedisValue InvalidatedField = "i";

    /// <summary>The writer's purge-log epoch (16 bytes) and position (8, little-endian) when the write began.</summary>
    public static readonly RedisValue PositionField = "p";
    public static readonly RedisValue[] EntryFields = [MetadataField, BodyField, InvalidatedField, PositionField];

    public string Prefix => prefix;

    public string EntryPattern => prefix + "e:*";

    public string HostPattern => prefix + "h:*";

    public string TagPattern => prefix + "t:*";

    public RedisChannel InvalidationChannel { get; } = RedisChannel.Literal(prefix + "invalidate");

    /// <summary>The purge log's head: a hash of its epoch (<c>e</c>, set once by whoever finds it missing) and last sequence number (<c>s</c>).</summary>
    public RedisKey PurgeLogHead { get; } = prefix + "{purgelog}:head";

    /// <summary>The purge log's entries: a list of the last purges, the newest last; the same hash tag as the head, so both change in one transaction.</summary>
    public RedisKey PurgeLogEntries { get; } = prefix + "{purgelog}:entries";

    /// <summary>Each node's position in the purge log (node id -> epoch, position, when written): what a purge waits for.</summary>
    public RedisKey PurgeLogNodes { get; } = prefix + "{purgelog}:nodes";

    public static readonly RedisValue PurgeLogEpochField = "e";
    public static readonly RedisValue PurgeLogSequenceField = "s";
    public static readonly RedisValue[] PurgeLogHeadFields = [PurgeLogEpochField, PurgeLogSequenceField];

    public static string Id(string cacheKey)
    {
        var length = Encoding.UTF8.GetMaxByteCount(cacheKey.Length);
        var buffer = length <= 1024 ? stackalloc byte[1024] : new byte[length];
        var hash = XxHash128.HashToUInt128(buffer[..Encoding.UTF8.GetBytes(cacheKey, buffer)]);
        return hash.ToString("x32", System.Globalization.CultureInfo.InvariantCulture);
    }

    public RedisKey Entry(string id) => prefix + "e:{" + id + "}";

    public RedisKey Lock(string id) => prefix + "l:{" + id + "}";

    public RedisKey Tag(string tag) => prefix + "t:" + tag;

    public RedisKey Host(string host) => prefix + "h:" + host.ToLowerInvariant();

    public static string HostMember(string id, string url) => id + url;

    public static string MemberId(string member) => member[..IdLength];

    public static string MemberUrl(string member) => member[IdLength..];

    public static bool IsHostMember(string? member) => member is { Length: >= IdLength };
}
