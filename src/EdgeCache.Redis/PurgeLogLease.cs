using Microsoft.Extensions.Logging;

namespace EdgeCache.Redis;

/// <summary>
/// How long a node may go on serving its local tiers: until <see cref="RedisTierOptions.PurgeLogLease"/> after the
/// last moment it proved it had applied every purge in the log (a read of the log's head, sent at that moment, that
/// showed nothing it had not applied). A purge answers only once it is in the log, so a node whose lease holds has
/// applied every purge that answered more than a lease ago; one whose lease ran out (Redis unreachable, the log
/// unreadable, the process just started and not caught up yet) skips its local tiers until it has caught up again.
/// </summary>
internal sealed class PurgeLogLease(TimeProvider time, TimeSpan length)
{
    // 0: never proved (a node that just started serves nothing local until it has read the log).
    private long _provenAt;

    /// <summary>Whether the local tiers may be served now.</summary>
    public bool Holds
    {
        get
        {
            var provenAt = Volatile.Read(ref _provenAt);
            return provenAt != 0 && time.GetElapsedTime(provenAt) <= length;
        }
    }

    /// <summary>Logs when the local tiers stop and start being served (the lease lapsed, or was proved again); whether they are suspended now.</summary>
    public bool NoteChange(bool wasSuspended, ILogger logger)
    {
        var suspended = !Holds;
        if (suspended && !wasSuspended)
        {
            RedisLog.LocalTiersSuspended(logger, length.TotalMilliseconds);
        }
        else if (!suspended && wasSuspended)
        {
            RedisLog.LocalTiersResumed(logger);
        }

        return suspended;
    }

    /// <summary>Records that every purge logged before <paramref name="sentAt"/> (a <see cref="TimeProvider.GetTimestamp"/>) is applied.</summary>
    public void Prove(long sentAt)
    {
        var current = Volatile.Read(ref _provenAt);
        while (sentAt > current)
        {
            var seen = Interlocked.CompareExchange(ref _provenAt, sentAt, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
