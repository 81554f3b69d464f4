using StackExchange.Redis;

namespace EdgeCache.Redis;

/// <summary>
/// Cross-node request collapsing: a short per-key lock (<c>SET NX PX</c>) so that when N nodes miss
/// the same key, about one of them asks the origin while the others wait briefly and then read the
/// shared tier.
/// </summary>
/// <remarks>
/// Contract: call <see cref="TryAcquireFillLockAsync"/> on a miss. A lease back means "fill it
/// yourself, then dispose the lease"; <see langword="null"/> means another node is filling: call
/// <see cref="WaitForFillAsync"/>, then look the key up again, and fill yourself if it is still
/// missing. The lock fails open: with Redis unavailable every caller gets a (local) lease, so
/// collapsing can only save origin requests, never block one. A lease expires after
/// <see cref="RedisTierOptions.FillLockDuration"/> even if its holder dies.
/// </remarks>
public sealed class RedisFillLock
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(15);

    private readonly RedisConnection _connection;
    private readonly RedisKeys _keys;

    /// <summary>Creates the lock helper over a connection.</summary>
    public RedisFillLock(RedisConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        _keys = new RedisKeys(connection.Options.KeyPrefix);
    }

    /// <summary>
    /// Tries to become the node that fills <paramref name="key"/>. Returns a lease to fill under, or
    /// <see langword="null"/> when another node holds the lock.
    /// </summary>
    public async ValueTask<FillLease?> TryAcquireFillLockAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var options = _connection.Options;
        if (!options.CollapseRequests)
        {
            return new FillLease(null, key, string.Empty);
        }

        var lockKey = _keys.Lock(RedisKeys.Id(key));
        var token = _connection.NodeId.ToString("N") + Guid.NewGuid().ToString("N");
        var outcome = await _connection.ExecuteAsync(
            "lock", async db => await db.LockTakeAsync(lockKey, token, options.FillLockDuration).ConfigureAwait(false) ? Outcome.Acquired : Outcome.Held,
            Outcome.Unavailable, options.OperationTimeout, cancellationToken).ConfigureAwait(false);
        return outcome switch
        {
            Outcome.Acquired => new FillLease(this, key, token),
            Outcome.Held => null,
            _ => new FillLease(null, key, string.Empty),
        };
    }

    /// <summary>
    /// Waits until the lock on <paramref name="key"/> is released or <paramref name="maxWait"/> passes.
    /// Returns <see langword="true"/> when it was released (the entry is probably in the shared tier now).
    /// Stops waiting at once when Redis is unavailable.
    /// </summary>
    public async ValueTask<bool> WaitForFillAsync(string key, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var lockKey = _keys.Lock(RedisKeys.Id(key));
        var time = _connection.Time;
        var start = time.GetTimestamp();
        while (true)
        {
            var held = await _connection.ExecuteAsync(
                "lock-wait", db => db.KeyExistsAsync(lockKey), false, _connection.Options.OperationTimeout, cancellationToken).ConfigureAwait(false);
            if (!held)
            {
                return true;
            }

            if (time.GetElapsedTime(start) + PollInterval > maxWait)
            {
                return false;
            }

            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    internal async ValueTask ReleaseAsync(string key, string token)
    {
        var lockKey = _keys.Lock(RedisKeys.Id(key));
        await _connection.ExecuteAsync(
            "unlock", db => db.LockReleaseAsync(lockKey, token), false, _connection.Options.OperationTimeout, CancellationToken.None).ConfigureAwait(false);
    }

    private enum Outcome
    {
        Unavailable,
        Acquired,
        Held,
    }
}
