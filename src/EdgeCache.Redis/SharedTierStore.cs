using EdgeCache.Storage;

namespace EdgeCache.Redis;

/// <summary>
/// A node's local tiers in front of the shared Redis tier. Reads try local first, then Redis (a
/// Redis hit is copied into the local tiers); writes go to both; deletes and purges go to both,
/// and through the Redis store to the backplane, so every other node drops its local copies too.
/// The backplane applies other nodes' invalidations to the local tiers.
/// </summary>
public sealed class SharedTierStore : ICacheStore, ITieredStoreStatistics
{
    private readonly ICacheStore _local;
    private readonly RedisTier _shared;
    private long _hits;
    private long _misses;

    /// <summary>Composes <paramref name="local"/> (memory, disk or both) with the shared tier, and starts the backplane on the local tiers.</summary>
    public SharedTierStore(ICacheStore local, RedisTier shared)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(shared);
        _local = local;
        _shared = shared;
        shared.Backplane.Start(local);
    }

    /// <inheritdoc />
    public string Name => "tiered";

    /// <inheritdoc />
    public async ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var entry = await _local.GetAsync(key, cancellationToken).ConfigureAwait(false)
            ?? await GetSharedAsync(key, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref entry is null ? ref _misses : ref _hits);
        return entry;
    }

    /// <inheritdoc />
    public async ValueTask<ICacheEntryWriter?> BeginWriteAsync(EntryMetadata metadata, CancellationToken cancellationToken = default)
    {
        var local = await _local.BeginWriteAsync(metadata, cancellationToken).ConfigureAwait(false);
        var shared = await _shared.Store.BeginWriteAsync(metadata, cancellationToken).ConfigureAwait(false);
        return (local, shared) switch
        {
            (null, null) => null,
            (not null, null) => local,
            (null, not null) => shared,
            _ => new FanOutWriter(local, shared),
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
    /// <remarks>Returns the larger of the two tiers' counts: an entry held in both is one entry.</remarks>
    public async ValueTask<long> PurgeAsync(PurgeRequest purge, CancellationToken cancellationToken = default)
    {
        var local = await _local.PurgeAsync(purge, cancellationToken).ConfigureAwait(false);
        var shared = await _shared.Store.PurgeAsync(purge, cancellationToken).ConfigureAwait(false);
        return Math.Max(local, shared);
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
        await _shared.DisposeAsync().ConfigureAwait(false);
        await _local.DisposeAsync().ConfigureAwait(false);
    }

    private async ValueTask<CacheEntry?> GetSharedAsync(string key, CancellationToken cancellationToken)
    {
        var entry = await _shared.Store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        if (entry is not null && entry.TryGetMemory(out var body))
        {
            // Copy into the local tiers so the next hit stays on this node.
            await using var writer = await _local.BeginWriteAsync(entry.Metadata, cancellationToken).ConfigureAwait(false);
            if (writer is not null && await writer.WriteAsync(body, cancellationToken).ConfigureAwait(false))
            {
                await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return entry;
    }

    /// <summary>Writes one body into two tiers; a tier that gives up is dropped, the other carries on.</summary>
    private sealed class FanOutWriter(ICacheEntryWriter first, ICacheEntryWriter second) : ICacheEntryWriter
    {
        private bool _firstAlive = true;
        private bool _secondAlive = true;

        public async ValueTask<bool> WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        {
            if (_firstAlive)
            {
                _firstAlive = await first.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            }

            if (_secondAlive)
            {
                _secondAlive = await second.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            }

            return _firstAlive || _secondAlive;
        }

        public async ValueTask<bool> CommitAsync(CancellationToken cancellationToken = default)
        {
            var committed = _firstAlive && await first.CommitAsync(cancellationToken).ConfigureAwait(false);
            committed |= _secondAlive && await second.CommitAsync(cancellationToken).ConfigureAwait(false);
            return committed;
        }

        public async ValueTask DisposeAsync()
        {
            await first.DisposeAsync().ConfigureAwait(false);
            await second.DisposeAsync().ConfigureAwait(false);
        }
    }
}
