using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCache.Storage;

/// <summary>
/// A memory tier over a slower tier (disk). Reads try memory first; a hit below is promoted into
/// memory when it fits and the <see cref="Promotion"/> policy admits it (by default on the key's second
/// hit below within a window; the first is served from below). Writes go through to both tiers (the body
/// is streamed to the lower tier and buffered for memory only while it stays under memory's object limit).
/// Deletes and purges reach every tier. A tier that throws is logged and the other answers.
/// </summary>
public sealed partial class TieredStore : IPurgeFencedStore, ITieredStoreStatistics
{
    private const int CopyBufferSize = 64 * 1024;

    private readonly MemoryStore _memory;
    private readonly ICacheStore _lower;
    private readonly ILogger _logger;

    // Commits to both tiers happen under one lock, so concurrent writers of a key cannot leave one
    // writer's entry in memory and another's below.
    private readonly SemaphoreSlim _commitLock = new(1, 1);

    // A fill that began before a purge and commits after it would bring the purged content back.
    private readonly PurgeFence _fence = new();

    // A copy from below that a write or delete overtook would put the older entry (or a deleted one) back in memory.
    private readonly PromotionsInFlight _promotions = new();

    // Null with PromotionPolicy.FirstHit.
    private readonly PromotionDoorkeeper? _doorkeeper;
    private long _hits;
    private long _misses;

    /// <summary>Creates a tiered store that promotes on the second hit below (<see cref="PromotionPolicy.SecondHit"/>); it owns both tiers and disposes them.</summary>
    public TieredStore(MemoryStore memory, ICacheStore lower, ILogger? logger = null)
        : this(memory, lower, PromotionPolicy.SecondHit, logger)
    {
    }

    /// <summary>Creates a tiered store with the given promotion policy; it owns both tiers and disposes them.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="promotion"/> is not a defined policy.</exception>
    public TieredStore(MemoryStore memory, ICacheStore lower, PromotionPolicy promotion, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(lower);
        if (!Enum.IsDefined(promotion))
        {
            throw new ArgumentOutOfRangeException(nameof(promotion), promotion, "The promotion policy must be SecondHit or FirstHit.");
        }

        _memory = memory;
        _lower = lower;
        _logger = logger ?? NullLogger.Instance;

        // The window follows memory's entry count: a key promoted into a full tier displaces another and lasts about
        // until memory has taken that many new entries, so one that recurs less often would be gone before its next hit.
        _doorkeeper = promotion == PromotionPolicy.SecondHit ? new PromotionDoorkeeper(() => memory.Count) : null;
    }

    /// <summary>When a hit below memory is copied up into memory. Default <see cref="PromotionPolicy.SecondHit"/>.</summary>
    public PromotionPolicy Promotion => _doorkeeper is null ? PromotionPolicy.FirstHit : PromotionPolicy.SecondHit;

    /// <inheritdoc />
    public string Name => "tiered";

    /// <summary>The memory tier.</summary>
    public MemoryStore Memory => _memory;

    /// <summary>The tier under memory.</summary>
    public ICacheStore Lower => _lower;

    /// <inheritdoc />
    public ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        // A memory hit answers synchronously, without the state machine of the lower tier's path: a hot hit
        // on the tiered store costs what it costs on the memory store alone.
        ValueTask<CacheEntry?> hot;
        try
        {
            hot = _memory.GetAsync(key, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            StorageLog.TierFailed(_logger, _memory.Name, "get", ex);
            return GetBelowMemoryAsync(key, default, cancellationToken);
        }

        if (!hot.IsCompletedSuccessfully)
        {
            return GetBelowMemoryAsync(key, hot, cancellationToken);
        }

        // Result consumes the ValueTask: the lower path gets a completed miss, not the same one again.
        if (hot.Result is not { } entry)
        {
            return GetBelowMemoryAsync(key, default, cancellationToken);
        }

        Interlocked.Increment(ref _hits);
        return new ValueTask<CacheEntry?>(entry);
    }

    private async ValueTask<CacheEntry?> GetBelowMemoryAsync(string key, ValueTask<CacheEntry?> pendingMemory, CancellationToken cancellationToken)
    {
        try
        {
            var hot = await pendingMemory.ConfigureAwait(false);
            if (hot is not null)
            {
                Interlocked.Increment(ref _hits);
                return hot;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            StorageLog.TierFailed(_logger, _memory.Name, "get", ex);
        }

        CacheEntry? entry;
        var begun = _fence.Current;
        try
        {
            entry = await _lower.GetAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            StorageLog.TierFailed(_logger, _lower.Name, "get", ex);
            entry = null;
        }

        if (entry is null)
        {
            Interlocked.Increment(ref _misses);
            return null;
        }

        Interlocked.Increment(ref _hits);
        if (entry.Metadata.BodyLength >= 0 && entry.Metadata.BodyLength <= _memory.MaxObjectSize && Admits(key))
        {
            return await PromoteAsync(entry, begun, cancellationToken).ConfigureAwait(false);
        }

        return entry;
    }

    // Only hits that could be promoted are recorded: a body memory would decline never is, so it takes no room in the filter.
    private bool Admits(string key) => _doorkeeper?.RecordAndCheck(key) ?? true;

    /// <inheritdoc />
    public long PurgeSequence => _fence.Current;

    /// <inheritdoc />
    public bool PurgedSince(long sequence, EntryMetadata metadata) => _fence.Blocks(sequence, metadata);

    /// <inheritdoc />
    public ValueTask<ICacheEntryWriter?> BeginWriteAsync(EntryMetadata metadata, CancellationToken cancellationToken = default)
        => BeginWriteAsync(metadata, _fence.Current, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<ICacheEntryWriter?> BeginWriteAsync(EntryMetadata metadata, long sequence, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (_lower is DiskStore disk && disk.KeepsInRow(metadata) && _memory.CollectsInArray(metadata))
        {
            // Both tiers would keep the body as one piece of its own (a memory block, a row): one copy serves both.
            return new SharedBodyWriter(this, disk, metadata, sequence);
        }

        ICacheEntryWriter? lower = null;
        ICacheEntryWriter? memory = null;
        try
        {
            lower = await _lower.BeginWriteAsync(metadata, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            StorageLog.TierFailed(_logger, _lower.Name, "write", ex);
        }

        try
        {
            memory = await _memory.BeginWriteAsync(metadata, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            StorageLog.TierFailed(_logger, _memory.Name, "write", ex);
        }

        if (lower is null && memory is null)
        {
            return null;
        }

        return new Writer(this, metadata, sequence, memory, lower);
    }

    /// <inheritdoc />
    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        // Under the commit lock, so a promotion of the key either committed before (and is deleted here) or is dropped.
        await _commitLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _promotions.Overtake(key);
            var inMemory = await TryAsync(_memory, "delete", s => s.DeleteAsync(key, cancellationToken)).ConfigureAwait(false);
            var below = await TryAsync(_lower, "delete", s => s.DeleteAsync(key, cancellationToken)).ConfigureAwait(false);
            return inMemory || below;
        }
        finally
        {
            _commitLock.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask<long> PurgeAsync(PurgeRequest purge, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(purge);

        // Under the commit lock: a write either committed before (and is purged here) or sees the purge
        // in the fence and is not published.
        long below, inMemory;
        PurgeIncompleteException? incomplete = null;
        await _commitLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _fence.Record(purge);

            // The lower tier first: a reader that misses memory in between must not re-promote a purged entry.
            // A lower tier that could not apply the purge says so; memory is purged all the same, and the
            // caller is told (the admin API answers 503: purge again).
            try
            {
                below = await TryAsync(_lower, "purge", s => s.PurgeAsync(purge, cancellationToken)).ConfigureAwait(false);
            }
            catch (PurgeIncompleteException exception)
            {
                incomplete = exception;
                below = exception.Purged;
            }

            inMemory = await TryAsync(_memory, "purge", s => s.PurgeAsync(purge, cancellationToken)).ConfigureAwait(false);
        }
        finally
        {
            _commitLock.Release();
        }

        if (incomplete is not null)
        {
            throw new PurgeIncompleteException(incomplete.Message, incomplete) { Purged = Math.Max(inMemory, below) };
        }

        // Entries usually sit in both tiers: the larger count is the number of distinct entries purged.
        return Math.Max(inMemory, below);
    }

    /// <summary>
    /// The tiered view: entries, bytes and capacity of the lower tier (which holds everything memory
    /// holds, except objects it declined), hits and misses as seen by callers, evictions of both tiers.
    /// </summary>
    public StoreStatistics GetStatistics()
    {
        var memory = _memory.GetStatistics();
        StoreStatistics? lower = null;
        try
        {
            lower = _lower.GetStatistics();
        }
        catch (Exception ex)
        {
            StorageLog.TierFailed(_logger, _lower.Name, "statistics", ex);
        }

        return new StoreStatistics(
            Name,
            Math.Max(memory.Entries, lower?.Entries ?? 0),
            Math.Max(memory.Bytes, lower?.Bytes ?? 0),
            lower?.CapacityBytes ?? memory.CapacityBytes,
            Interlocked.Read(ref _hits),
            Interlocked.Read(ref _misses),
            memory.Evictions + (lower?.Evictions ?? 0));
    }

    /// <summary>Memory's statistics, then the lower tier's (or the lower tiers', when it is itself tiered).</summary>
    public IReadOnlyList<StoreStatistics> GetTierStatistics()
    {
        var tiers = new List<StoreStatistics>(3) { _memory.GetStatistics() };
        try
        {
            if (_lower is ITieredStoreStatistics lower)
            {
                tiers.AddRange(lower.GetTierStatistics());
            }
            else
            {
                tiers.Add(_lower.GetStatistics());
            }
        }
        catch (Exception ex)
        {
            StorageLog.TierFailed(_logger, _lower.Name, "statistics", ex);
        }

        return tiers;
    }

    /// <summary>Keys with a promotion in flight (for tests).</summary>
    internal int PromotionsInFlight => _promotions.Count;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _memory.DisposeAsync().ConfigureAwait(false);
        await _lower.DisposeAsync().ConfigureAwait(false);
        _commitLock.Dispose();
    }

    /// <summary>
    /// Publishes a promotion unless a purge since the lower tier was read selects it (it would bring a purged entry back),
    /// or a write or delete of the key committed meanwhile (the copy is older than what memory holds now).
    /// </summary>
    private async ValueTask<bool> CommitPromotionAsync(ICacheEntryWriter writer, EntryMetadata metadata, long begun, CancellationToken cancellationToken)
    {
        await _commitLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return !_fence.Blocks(begun, metadata) && !_promotions.Overtaken(metadata.Key) && await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _commitLock.Release();
        }
    }

    private async ValueTask<CacheEntry> PromoteAsync(CacheEntry entry, long begun, CancellationToken cancellationToken)
    {
        try
        {
            var writer = await _memory.BeginWriteAsync(entry.Metadata, cancellationToken).ConfigureAwait(false);
            if (writer is null)
            {
                return entry;
            }

            using var promotion = _promotions.Track(entry.Metadata.Key);
            await using (writer.ConfigureAwait(false))
            {
                if (entry.TryGetMemory(out var memory))
                {
                    await writer.WriteAsync(memory, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    var body = entry.OpenBody();
                    await using (body.ConfigureAwait(false))
                    {
                        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(CopyBufferSize);
                        try
                        {
                            int read;
                            while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                            {
                                if (!await writer.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false))
                                {
                                    return entry;
                                }
                            }
                        }
                        finally
                        {
                            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                        }
                    }
                }

                if (await CommitPromotionAsync(writer, entry.Metadata, begun, cancellationToken).ConfigureAwait(false))
                {
                    // Serve the promoted copy: it is the same bytes, and memory avoids a second file read.
                    var promoted = await _memory.GetAsync(entry.Metadata.Key, cancellationToken).ConfigureAwait(false);
                    return promoted ?? entry;
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Promotion is an optimisation: the entry found below still answers.
            StorageLog.TierFailed(_logger, _memory.Name, "promotion", ex);
        }

        return entry;
    }

    private async ValueTask<T> TryAsync<T>(ICacheStore store, string operation, Func<ICacheStore, ValueTask<T>> action)
    {
        try
        {
            return await action(store).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or PurgeIncompleteException))
        {
            StorageLog.TierFailed(_logger, store.Name, operation, ex);
            return default!;
        }
    }
}
