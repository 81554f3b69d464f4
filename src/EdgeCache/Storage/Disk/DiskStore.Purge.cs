using Microsoft.Extensions.Logging;

namespace EdgeCache.Storage;

/// <content>Purges: applied to the queued rows and the index, or, when the index cannot take them, kept and retried.</content>
public sealed partial class DiskStore
{
    // Purges the index could not apply (a full disk: SQLite needs room for its journal), each with the first
    // id written after it was asked. Until a retry at maintenance succeeds, an entry one of them selects whose
    // write began before it is a miss: a purge that failed here never leaves what it selects servable.
    private readonly List<(PurgeRequest Purge, long IdBelow)> _unappliedPurges = [];
    private int _unappliedCount;

    /// <inheritdoc />
    public ValueTask<long> PurgeAsync(PurgeRequest purge, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(purge);
        var removed = new List<DiskIndex.Removed>();
        long count = 0;
        try
        {
            ApplyPurge(purge, removed, long.MaxValue, ref count);
        }
        catch (ObjectDisposedException ex)
        {
            // A store that is shut down serves nothing any more: there is nothing left to hide.
            StorageLog.DiskOperationFailed(_logger, "purge", ex);
            return new ValueTask<long>(0);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            StorageLog.DiskOperationFailed(_logger, "purge", ex);
            lock (_unappliedPurges)
            {
                _unappliedPurges.Add((purge, _index.PeekNextId()));
                Volatile.Write(ref _unappliedCount, _unappliedPurges.Count);
            }

            throw new PurgeIncompleteException(
                $"The disk tier could not apply the purge ({ex.Message}); what it selects is not served from disk until a retry succeeds.", ex)
            {
                Purged = count,
            };
        }

        ScheduleDeletes(removed);
        return new ValueTask<long>(count);
    }

    /// <summary>
    /// Applies a purge to the queued rows and then the index, to entries whose write began below
    /// <paramref name="idBelow"/>. <paramref name="count"/> holds what was purged even when the index throws.
    /// </summary>
    private void ApplyPurge(PurgeRequest purge, List<DiskIndex.Removed> removed, long idBelow, ref long count)
    {
        lock (_publishLock)
        {
            count += PurgePending(purge, idBelow);
            _options.BeforeIndexPurge?.Invoke();
            count += _index.Purge(purge, removed, idBelow);
        }
    }

    /// <summary>Whether a purge the index could not apply yet selects an entry whose write began before it.</summary>
    private bool HiddenByUnappliedPurge(long id, EntryMetadata metadata)
    {
        if (Volatile.Read(ref _unappliedCount) == 0)
        {
            return false;
        }

        lock (_unappliedPurges)
        {
            foreach (var (purge, idBelow) in _unappliedPurges)
            {
                if (id < idBelow && purge.Matches(metadata))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Applies the purges that failed before, oldest first (the index is written outside the list's lock, so
    /// reads checking the list never wait on a slow disk); each that succeeds stops hiding entries. A purge
    /// that fails again stays, and the exception goes to the maintenance log.
    /// </summary>
    private void RetryUnappliedPurges()
    {
        while (Volatile.Read(ref _unappliedCount) != 0)
        {
            (PurgeRequest Purge, long IdBelow) first;
            lock (_unappliedPurges)
            {
                first = _unappliedPurges[0];
            }

            var removed = new List<DiskIndex.Removed>();
            long count = 0;
            ApplyPurge(first.Purge, removed, first.IdBelow, ref count);

            lock (_unappliedPurges)
            {
                _unappliedPurges.Remove(first);
                Volatile.Write(ref _unappliedCount, _unappliedPurges.Count);
            }

            ScheduleDeletes(removed);
        }
    }

    /// <summary>Removes (or for a soft purge marks) the pending entries a purge selects; the caller holds the publish lock.</summary>
    private long PurgePending(PurgeRequest purge, long idBelow = long.MaxValue)
    {
        long count = 0;
        foreach (var (_, entry) in _queuedById)
        {
            if (entry.Cancelled || entry.Id >= idBelow || !purge.Matches(entry.Metadata))
            {
                continue;
            }

            // Counted once per key: a replaced entry still queued is the same entry to the caller.
            var newest = _pending.TryGetValue(entry.Metadata.Key, out var current) && ReferenceEquals(current, entry);
            if (purge.Soft)
            {
                entry.Invalidated = true;
            }
            else
            {
                entry.Cancelled = true;
                _pending.TryRemove(new KeyValuePair<string, PendingEntry>(entry.Metadata.Key, entry));
                ScheduleDelete(entry.Path, entry.Size);
            }

            if (newest)
            {
                count++;
            }
        }

        return count;
    }
}
