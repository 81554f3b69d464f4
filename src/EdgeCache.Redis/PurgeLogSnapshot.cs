using StackExchange.Redis;

namespace EdgeCache.Redis;

/// <summary>The purge log as read in one transaction.</summary>
internal sealed record PurgeLogSnapshot(Guid Epoch, long Sequence, RedisValue[] Entries);
