using System.Buffers.Binary;
using StackExchange.Redis;

namespace EdgeCache.Redis;

/// <summary>
/// Each node's purge-log position in Redis (one hash beside the log: node id -> epoch, position, when written), so a
/// purge can answer once every live node has applied it rather than once it is merely on its way. A node writes its
/// position whenever it moves and at every poll of the log (its heartbeat); a purge waits, up to
/// <see cref="RedisTierOptions.PurgeAckTimeout"/>, until every node heard from within a few polls is at or past it.
/// A node that does not answer in time is not waited for further: its lease (<see cref="RedisTierOptions.PurgeLogLease"/>)
/// stops it serving its local tiers within the promise anyway.
/// </summary>
internal sealed class PurgeAcknowledgements(RedisConnection connection, RedisKeys keys)
{
    private const int ValueLength = 16 + 8 + 8;

    private readonly RedisValue _self = connection.NodeId.ToByteArray();

    /// <summary>A node not heard from for this long is taken for gone: purges do not wait for it.</summary>
    private TimeSpan Liveness => TimeSpan.FromTicks(Math.Max(connection.Options.PurgeLogLease.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));

    /// <summary>Writes this node's position (every purge up to it applied here); fire and forget, in order on the connection.</summary>
    public Task ReportAsync(Guid epoch, long position, TimeSpan timeout)
    {
        var value = new byte[ValueLength];
        epoch.TryWriteBytes(value.AsSpan(0, 16));
        BinaryPrimitives.WriteInt64LittleEndian(value.AsSpan(16, 8), position);
        BinaryPrimitives.WriteInt64LittleEndian(value.AsSpan(24, 8), connection.Time.GetUtcNow().ToUnixTimeMilliseconds());
        return connection.ExecuteAsync(
            "purge log position", db => db.HashSetAsync(keys.PurgeLogNodes, _self, value), false, timeout, CancellationToken.None, bypassBreaker: true).AsTask();
    }

    /// <summary>Removes this node's position (a clean stop: nobody waits for it).</summary>
    public Task WithdrawAsync(TimeSpan timeout)
        => connection.ExecuteAsync(
            "purge log position", db => db.HashDeleteAsync(keys.PurgeLogNodes, _self), false, timeout, CancellationToken.None, bypassBreaker: true).AsTask();

    /// <summary>Waits until every other live node has applied purge <paramref name="sequence"/> of <paramref name="epoch"/>, or the timeout; true when all had.</summary>
    public async Task<bool> WaitAsync(Guid epoch, long sequence, CancellationToken cancellationToken)
    {
        var timeout = connection.Options.PurgeAckTimeout;
        if (timeout <= TimeSpan.Zero)
        {
            return false;
        }

        var start = connection.Time.GetTimestamp();
        var poll = TimeSpan.FromMilliseconds(5);
        while (true)
        {
            var nodes = await connection.ExecuteAsync(
                "purge log position", async db => (HashEntry[]?)await db.HashGetAllAsync(keys.PurgeLogNodes).ConfigureAwait(false), null, timeout, cancellationToken, bypassBreaker: true).ConfigureAwait(false);
            if (nodes is not null && Pending(nodes, epoch, sequence) == 0)
            {
                return true;
            }

            if (connection.Time.GetElapsedTime(start) >= timeout)
            {
                return false;
            }

            await Task.Delay(poll, connection.Time, cancellationToken).ConfigureAwait(false);
            poll = TimeSpan.FromTicks(Math.Min(poll.Ticks * 2, TimeSpan.FromMilliseconds(50).Ticks));
        }
    }

    private int Pending(HashEntry[] nodes, Guid epoch, long sequence)
    {
        var now = connection.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var liveness = (long)Liveness.TotalMilliseconds;
        var pending = 0;
        foreach (var node in nodes)
        {
            if (node.Name == _self || (byte[]?)node.Value is not { Length: ValueLength } value)
            {
                continue;
            }

            var written = BinaryPrimitives.ReadInt64LittleEndian(value.AsSpan(24, 8));
            if (now - written > liveness)
            {
                continue; // gone (killed, or cut off from Redis: its lease has run out)
            }

            if (new Guid(value.AsSpan(0, 16)) != epoch || BinaryPrimitives.ReadInt64LittleEndian(value.AsSpan(16, 8)) < sequence)
            {
                pending++;
            }
        }

        return pending;
    }
}
