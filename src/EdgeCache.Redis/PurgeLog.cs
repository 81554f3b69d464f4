using StackExchange.Redis;

namespace EdgeCache.Redis;

/// <summary>
/// The purge log in Redis: a numbered list of purge messages under one hash tag, with a head (the last
/// sequence number) and an epoch that changes if Redis loses the log. It keeps the last <c>length</c> entries.
/// </summary>
internal sealed class PurgeLog(RedisKeys keys, long length)
{
    /// <summary>Appends one purge to the log: the head's sequence and the entry move in one transaction.</summary>
    public async Task<(Guid, long)> AppendAsync(IDatabase db, byte[] message)
    {
        var transaction = db.CreateTransaction();
        _ = transaction.HashSetAsync(keys.PurgeLogHead, RedisKeys.PurgeLogEpochField, Guid.NewGuid().ToByteArray(), When.NotExists);
        var sequence = transaction.HashIncrementAsync(keys.PurgeLogHead, RedisKeys.PurgeLogSequenceField);
        var epoch = transaction.HashGetAsync(keys.PurgeLogHead, RedisKeys.PurgeLogEpochField);
        _ = transaction.ListRightPushAsync(keys.PurgeLogEntries, message);
        _ = transaction.ListTrimAsync(keys.PurgeLogEntries, -length, -1);
        if (!await transaction.ExecuteAsync().ConfigureAwait(false))
        {
            return default;
        }

        return (ReadEpoch(await epoch.ConfigureAwait(false)), await sequence.ConfigureAwait(false));
    }

    /// <summary>The whole log: its epoch (created when missing), last sequence number and entries (the last one has that number).</summary>
    public async Task<PurgeLogSnapshot?> ReadAsync(IDatabase db)
    {
        var transaction = db.CreateTransaction();
        _ = transaction.HashSetAsync(keys.PurgeLogHead, RedisKeys.PurgeLogEpochField, Guid.NewGuid().ToByteArray(), When.NotExists);
        var head = transaction.HashGetAsync(keys.PurgeLogHead, RedisKeys.PurgeLogHeadFields);
        var entries = transaction.ListRangeAsync(keys.PurgeLogEntries, 0, -1);
        if (!await transaction.ExecuteAsync().ConfigureAwait(false))
        {
            return null;
        }

        var fields = await head.ConfigureAwait(false);
        return new PurgeLogSnapshot(ReadEpoch(fields[0]), fields[1].IsNull ? 0 : (long)fields[1], await entries.ConfigureAwait(false));
    }

    public static Guid ReadEpoch(RedisValue value) => value.IsNull || ((byte[])value!).Length != 16 ? Guid.Empty : new Guid((byte[])value!);

}
