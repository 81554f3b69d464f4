using EdgeCache.Storage;

namespace EdgeCache.Redis;

/// <summary>
/// A node's local tiers in front of the shared Redis tier. Reads try local first, then Redis (a
/// Redis hit is copied into the local tiers); writes go to both; deletes and purges go to both,
/// and through the Redis store to the backplane, so every other node drops its local copies too.
/// The backplane applies other nodes' invalidations to the local tiers.
/// </summary>
/// <remarks>
/// Purges are fenced (see <see cref="IPurgeFencedStore"/>) across both tiers: Redis is purged first, then
/// the local tiers, with the purge recorded before and after Redis's part; a copy read from Redis before
/// its purge is not committed locally after, and a fill that began before a purge and reached Redis after
/// it is deleted from Redis again.
/// </remarks>
public sealed class SharedTierStore : IPurgeFencedStore, ITieredStoreStatistics
{
    private readonly PurgeFencedStore _local;
    private readonly RedisTier _shared;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _sweepLock = new();
    private Task _sweeps = Task.CompletedTask;
    private long _hits;
    private long _misses;

    /// <summary>Composes <paramref name="local"/> (memory, disk or both) with the shared tier, and starts the backplane on the local tiers.</summary>
    public SharedTierStore(ICacheStore local, RedisTier shared)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(shared);
        _local = local as PurgeFencedStore ?? new PurgeFencedStore(local);
        _shared = shared;
        shared.Backplane.Start(_local);
    }

    /// <inheritdoc />
    public string Name => "tiered";

    /// <inheritdoc />
    public async ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        // Local tiers only while the node can show it has applied every purge that answered more than a lease ago
        // (just started and not caught up, or the purge log unreadable: Redis and the origin answer instead).
        var entry = (_shared.Backplane.LocalTiersCurrent ? await _local.GetAsync(key, cancellationToken).ConfigureAwait(false) : null)
            ?? await GetSharedAsync(key, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref entry is null ? ref _misses : ref _hits);
        return entry;
    }

    /// <inheritdoc />
    public long PurgeSequence => _local.PurgeSequence;

    /// <inheritdoc />
    public bool PurgedSince(long sequence, EntryMetadata metadata) => _local.PurgedSince(sequence, metadata);

    /// <inheritdoc />
    public ValueTask<ICacheEntryWriter?> BeginWriteAsync(EntryMetadata metadata, CancellationToken cancellationToken = default)
        => BeginWriteAsync(metadata, _local.PurgeSequence, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<ICacheEntryWriter?> BeginWriteAsync(EntryMetadata metadata, long sequence, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var local = await _local.BeginWriteAsync(metadata, sequence, cancellationToken).ConfigureAwait(false);
        var shared = await _shared.Store.BeginWriteAsync(metadata, cancellationToken).ConfigureAwait(false);
        return (local, shared) switch
        {
            (null, null) => null,
            (not null, null) => local,
            _ => new FanOutWriter(this, metadata, sequence, local, shared),
        };
    }

    /// <inheritdoc />
    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var local = await _local.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        var shared = await _shared.Store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        return local || shared;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Returns the larger of the two tiers' counts: an entry held in both is one entry. Throws
    /// <see cref="PurgeIncompleteException"/>, after purging the local tiers, when Redis or the purge log stayed
    /// unavailable for <see cref="RedisTierOptions.PurgeTimeout"/>.
    /// </remarks>
    public async ValueTask<long> PurgeAsync(PurgeRequest purge, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(purge);
        var purged = await ApplyPurgeAsync(purge, cancellationToken).ConfigureAwait(false);
        ScheduleSweep(purge);
        return purged;
    }

    /// <summary>Waits for the sweeps of purges made so far (they run in the background after each purge; for tests and shutdown).</summary>
    public Task WhenSweptAsync() => Volatile.Read(ref _sweeps);

    private async ValueTask<long> ApplyPurgeAsync(PurgeRequest purge, CancellationToken cancellationToken)
    {
        PurgeIncompleteException? incomplete = null;
        var purged = await _local.PurgeAsync(
            purge,
            async (p, ct) =>
            {
                try
                {
                    return await _shared.Store.PurgeAsync(p, ct).ConfigureAwait(false);
                }
                catch (PurgeIncompleteException exception)
                {
                    // This node's tiers are purged all the same; the caller learns the rest did not follow.
                    incomplete = exception;
                    return exception.Purged;
                }
            },
            cancellationToken).ConfigureAwait(false);
        if (incomplete is not null)
        {
            throw new PurgeIncompleteException(incomplete.Message, incomplete) { Purged = purged };
        }

        return purged;
    }

    /// <summary>
    /// Applies the purge once more after <see cref="RedisTierOptions.PurgeSweepDelay"/>, everywhere (Redis, the log, every
    /// node). Another node's fill that was in flight can commit the old body to Redis in the moment between this node
    /// purging Redis and that node hearing of the purge (its fence cannot know yet); any node may copy it from there.
    /// By the sweep every node has heard of the purge, so what the sweep removes cannot come back.
    /// </summary>
    private void ScheduleSweep(PurgeRequest purge)
    {
        var delay = _shared.Connection.Options.PurgeSweepDelay;
        if (delay <= TimeSpan.Zero || _stopping.IsCancellationRequested)
        {
            return;
        }

        var stopping = _stopping.Token;
        var sweep = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(delay, _shared.Connection.Time, stopping).ConfigureAwait(false);
                await ApplyPurgeAsync(purge, stopping).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or PurgeIncompleteException or ObjectDisposedException)
            {
                // Stopping, or Redis went away: the purge itself was answered already.
            }
        });
        lock (_sweepLock)
        {
            _sweeps = Task.WhenAll(_sweeps, sweep);
        }
    }

    /// <inheritdoc />
    public StoreStatistics GetStatistics()
    {
        var local = _local.GetStatistics();
        return new StoreStatistics(
            Name, local.Entries, local.Bytes, local.CapacityBytes, Interlocked.Read(ref _hits), Interlocked.Read(ref _misses), local.Evictions);
    }

    /// <inheritdoc />
    public IReadOnlyList<StoreStatistics> GetTierStatistics()
    {
        var tiers = new List<StoreStatistics>();
        if (_local is ITieredStoreStatistics tiered)
        {
            tiers.AddRange(tiered.GetTierStatistics());
        }
        else
        {
            tiers.Add(_local.GetStatistics());
        }

        tiers.Add(_shared.Store.GetStatistics());
        return tiers;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await WhenSweptAsync().ConfigureAwait(false);
        _stopping.Dispose();
        await _shared.DisposeAsync().ConfigureAwait(false);
        await _local.DisposeAsync().ConfigureAwait(false);
    }

    private async ValueTask<CacheEntry?> GetSharedAsync(string key, CancellationToken cancellationToken)
    {
        // The copy began before the read: a purge since then may have removed what was read.
        var begun = _local.PurgeSequence;
        var entry = await _shared.Store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        if (entry is not null && entry.TryGetMemory(out var body))
        {
            // Copy into the local tiers so the next hit stays on this node.
            await using var writer = await _local.BeginWriteAsync(entry.Metadata, begun, cancellationToken).ConfigureAwait(false);
            if (writer is not null && await writer.WriteAsync(body, cancellationToken).ConfigureAwait(false))
            {
                await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return entry;
    }

    /// <summary>
    /// Writes one body into the local tiers (fenced) and Redis; a tier that gives up is dropped, the other carries
    /// on. Redis cannot check the fence in the same step as its commit, so the entry is checked just after and
    /// deleted again when a purge since the fill began selects it.
    /// </summary>
    private sealed class FanOutWriter(SharedTierStore owner, EntryMetadata metadata, long sequence, ICacheEntryWriter? local, ICacheEntryWriter shared) : ICacheEntryWriter
    {
        private bool _localAlive = local is not null;
        private bool _sharedAlive = true;

        public async ValueTask<bool> WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        {
            if (_localAlive)
            {
                _localAlive = await local!.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            }

            if (_sharedAlive)
            {
                _sharedAlive = await shared.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            }

            return _localAlive || _sharedAlive;
        }

        public async ValueTask<bool> CommitAsync(CancellationToken cancellationToken = default)
        {
            if (owner._local.PurgedSince(sequence, metadata))
            {
                return false;
            }

            var committed = _localAlive && await local!.CommitAsync(cancellationToken).ConfigureAwait(false);
            if (_sharedAlive && await shared.CommitAsync(cancellationToken).ConfigureAwait(false))
            {
                if (owner._local.PurgedSince(sequence, metadata))
                {
                    await owner._shared.Store.DeleteAsync(metadata.Key, cancellationToken).ConfigureAwait(false);
                    return committed;
                }

                committed = true;
            }

            return committed;
        }

        public async ValueTask DisposeAsync()
        {
            if (local is not null)
            {
                await local.DisposeAsync().ConfigureAwait(false);
            }

            await shared.DisposeAsync().ConfigureAwait(false);
        }
    }
}
