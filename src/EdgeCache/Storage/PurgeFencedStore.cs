namespace EdgeCache.Storage;

/// <summary>
/// Puts the purge fence in front of any store (memory, disk, a composition): a write that began before a
/// purge selecting it is not committed after the purge. Reads, deletes and statistics go straight through.
/// </summary>
/// <remarks>
/// A purge is recorded and a commit is checked under one lock, so a commit either lands before the purge
/// is recorded (and the purge, which runs after, removes it) or sees the purge and is dropped.
/// </remarks>
public sealed class PurgeFencedStore : IPurgeFencedStore, ITieredStoreStatistics
{
    private readonly ICacheStore _inner;
    private readonly PurgeFence _fence = new();
    private readonly SemaphoreSlim _lock = new(1, 1);

    /// <summary>Fences <paramref name="inner"/>; the fenced store owns it and disposes it.</summary>
    public PurgeFencedStore(ICacheStore inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
    }

    /// <summary>The store behind the fence.</summary>
    public ICacheStore Inner => _inner;

    /// <inheritdoc />
    public string Name => _inner.Name;

    /// <inheritdoc />
    public long PurgeSequence => _fence.Current;

    /// <inheritdoc />
    public bool PurgedSince(long sequence, EntryMetadata metadata) => _fence.Blocks(sequence, metadata);

    /// <inheritdoc />
    public ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken = default) => _inner.GetAsync(key, cancellationToken);

    /// <inheritdoc />
    public ValueTask<ICacheEntryWriter?> BeginWriteAsync(EntryMetadata metadata, CancellationToken cancellationToken = default)
        => BeginWriteAsync(metadata, _fence.Current, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<ICacheEntryWriter?> BeginWriteAsync(EntryMetadata metadata, long sequence, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var inner = await _inner.BeginWriteAsync(metadata, cancellationToken).ConfigureAwait(false);
        return inner is null ? null : new Writer(this, inner, metadata, sequence);
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => _inner.DeleteAsync(key, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<long> PurgeAsync(PurgeRequest purge, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(purge);
        await RecordAsync(purge, cancellationToken).ConfigureAwait(false);
        return await _inner.PurgeAsync(purge, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Purges <paramref name="before"/> (another tier this store's entries are copied from, such as a shared
    /// one) and then this store. The purge is recorded before and again after <paramref name="before"/>, so
    /// a copy read from the other tier while it was being purged is not committed here either.
    /// Returns the larger of the two counts (an entry held in both is one entry).
    /// </summary>
    public async ValueTask<long> PurgeAsync(PurgeRequest purge, Func<PurgeRequest, CancellationToken, ValueTask<long>> before, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(purge);
        ArgumentNullException.ThrowIfNull(before);
        await RecordAsync(purge, cancellationToken).ConfigureAwait(false);
        var other = await before(purge, cancellationToken).ConfigureAwait(false);
        await RecordAsync(purge, cancellationToken).ConfigureAwait(false);

        var here = await _inner.PurgeAsync(purge, cancellationToken).ConfigureAwait(false);
        return Math.Max(here, other);
    }

    /// <inheritdoc />
    public StoreStatistics GetStatistics() => _inner.GetStatistics();

    /// <inheritdoc />
    public IReadOnlyList<StoreStatistics> GetTierStatistics()
        => _inner is ITieredStoreStatistics tiered ? tiered.GetTierStatistics() : [_inner.GetStatistics()];

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        _lock.Dispose();
    }

    private async ValueTask RecordAsync(PurgeRequest purge, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _fence.Record(purge);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>The inner store's writer, whose commit is checked against the fence.</summary>
    private sealed class Writer(PurgeFencedStore owner, ICacheEntryWriter inner, EntryMetadata metadata, long sequence) : ICacheEntryWriter
    {
        public ValueTask<bool> WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) => inner.WriteAsync(data, cancellationToken);

        public async ValueTask<bool> CommitAsync(CancellationToken cancellationToken = default)
        {
            await owner._lock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return !owner._fence.Blocks(sequence, metadata) && await inner.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                owner._lock.Release();
            }
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
