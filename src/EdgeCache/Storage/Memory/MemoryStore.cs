namespace EdgeCache.Storage;

/// <summary>
/// The memory tier: entries bounded by bytes, evicted with SIEVE (Zhang et al., NSDI '24).
/// A hit is one dictionary lookup, one clock read and one flag write: no lock, no allocation.
/// </summary>
public sealed partial class MemoryStore : ICacheStore
{
    // Bytes charged per entry beyond key and body: entry, dictionary slot, metadata record.
    private const int EntryOverhead = 256;

    // How long a removed entry's body file or native block stays after the entry's last hit, for a reader that found the
    // entry just before it went and has not taken its reference yet (the lookup and the send are microseconds
    // apart; this allows for a stalled thread). A body not hit that recently closes when it is removed, or
    // when its last reader finishes.
    private static readonly long DefaultRemovalGraceTicks = TimeSpan.FromSeconds(1).Ticks;

    // The entry handed to readers is also the SIEVE queue node and the hash chain node: one object per
    // entry besides its metadata, key and body.
    private readonly MemoryEntryTable _table = new();
    private readonly Lock _evictionLock = new();
    private readonly TimeProvider _time;
    private readonly long _capacity;
    private readonly long _maxObjectSize;
    private readonly long _fileBodyThreshold;
    private readonly MemoryBodyFiles _files = new();
    private readonly NativeBodyArena _arena = new();
    private readonly InFlightBodyBudget? _inFlight;

    // Removed bodies whose files stay open until their grace ends (under _evictionLock), and the timer that closes them.
    private readonly List<(ITierBody Body, long UntilTicks)> _inGrace = [];
    private ITimer? _graceTimer;
    private long _removalGraceTicks = DefaultRemovalGraceTicks;
    private bool _disposed;

    // SIEVE queue: new nodes go in at the head; the hand walks from the tail towards the head.
    private MemoryCacheEntry? _head;
    private MemoryCacheEntry? _tail;
    private MemoryCacheEntry? _hand;
    private long _bytes;
    private long _hits;
    private long _misses;
    private long _evictions;

    /// <summary>Creates a memory store.</summary>
    public MemoryStore(MemoryStoreOptions? options = null, TimeProvider? timeProvider = null)
    {
        options ??= new MemoryStoreOptions();
        options.Validate();
        _capacity = options.SizeLimit;
        _maxObjectSize = options.EffectiveMaxObjectSize;
        _fileBodyThreshold = options.EffectiveFileBodyThreshold;
        _inFlight = options.InFlightBudget;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public string Name => "memory";

    /// <summary>Bytes held now: stored entries, and the files and native blocks of removed ones that a reader still holds.</summary>
    public long Bytes => Volatile.Read(ref _bytes) + _files.RemovedBytes + _arena.RemovedBytes;

    /// <summary>Bytes in the native blocks bodies under 64 KB are kept in (off the GC heap; counted in <see cref="Bytes"/>).</summary>
    public long NativeBodyBytes => _arena.UsedBytes;

    /// <summary>Bytes of the native slabs those blocks are cut from, free blocks included (what the process holds for them).</summary>
    public long NativeSlabBytes => _arena.SlabBytes;

    /// <summary>
    /// The removal grace (tests: zero takes it away, so that only the readers' own references keep removed bodies,
    /// which is what a test of those references needs).
    /// </summary>
    internal TimeSpan RemovalGrace
    {
        get => TimeSpan.FromTicks(_removalGraceTicks);
        set => _removalGraceTicks = value.Ticks;
    }

    /// <summary>The native blocks' allocator (tests).</summary>
    internal NativeBodyArena Arena => _arena;

    /// <summary>Bodies kept in memory files now (see <see cref="MemoryStoreOptions.FileBodyThreshold"/>), including removed ones still being read.</summary>
    public long BodyFiles => _files.OpenFiles;

    /// <summary>Bytes in those files: shared memory, counted in <see cref="Bytes"/> but not in the process's RSS.</summary>
    public long BodyFileBytes => _files.Bytes;

    /// <summary>The memory files' accounting and fault hook (tests).</summary>
    internal MemoryBodyFiles Files => _files;

    /// <summary>Entries held now.</summary>
    public int Count => _table.Count;

    /// <summary>The largest body the tier accepts.</summary>
    public long MaxObjectSize => _maxObjectSize;

    /// <inheritdoc />
    public ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var node = _table.Find(key);
        if (node is not null)
        {
            var now = _time.GetUtcNow().UtcTicks;
            if (node.Metadata.ExpiresAtUtcTicks > now)
            {
                node.Visited = true;

                // The hit time is what keeps a removed body through its grace, so it goes out before the removal flag is
                // read (a full fence: the removal writes the flag, then reads this). Either the removal sees this hit and
                // keeps the body, or this sees the removal and the entry, whose body may be freed already, is a miss.
                Interlocked.Exchange(ref node.LastHitTicks, now);
                if (!Volatile.Read(ref node.Removed))
                {
                    Interlocked.Increment(ref _hits);
                    return new ValueTask<CacheEntry?>(node);
                }
            }
            else
            {
                Remove(node);
            }
        }

        Interlocked.Increment(ref _misses);
        return default;
    }

    /// <inheritdoc />
    public ValueTask<ICacheEntryWriter?> BeginWriteAsync(EntryMetadata metadata, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.BodyLength > _maxObjectSize)
        {
            return default;
        }

        return new ValueTask<ICacheEntryWriter?>(new Writer(this, metadata));
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
        => new(_table.Find(key) is { } node && Remove(node));

    /// <inheritdoc />
    public ValueTask<long> PurgeAsync(PurgeRequest purge, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(purge);
        List<MemoryCacheEntry> selected = [];
        lock (_evictionLock)
        {
            for (var node = _head; node is not null; node = node.Next)
            {
                if (purge.Matches(node.Metadata))
                {
                    selected.Add(node);
                }
            }
        }

        long count = 0;
        foreach (var node in selected)
        {
            if (purge.Soft)
            {
                // The marked entry takes over the body (and, for a file or a native block, the tier's reference on it).
                var metadata = node.Metadata with { Invalidated = true };
                var marked = node.NativeBody is { } native ? new MemoryCacheEntry(metadata, native)
                    : node.BodyFile is { } file ? new MemoryCacheEntry(metadata, file) : new MemoryCacheEntry(metadata, node.Body!);
                if (Replace(node, marked))
                {
                    count++;
                }
            }
            else if (Remove(node))
            {
                count++;
            }
        }

        return new ValueTask<long>(count);
    }

    /// <inheritdoc />
    public StoreStatistics GetStatistics() => new(
        Name, _table.Count, Bytes, _capacity,
        Interlocked.Read(ref _hits), Interlocked.Read(ref _misses), Interlocked.Read(ref _evictions));

    /// <inheritdoc />
    /// <remarks>Closes every body file that no reader holds; one still being sent closes when its send ends.</remarks>
    public ValueTask DisposeAsync()
    {
        lock (_evictionLock)
        {
            if (!_disposed)
            {
                _disposed = true;
                while (_head is not null)
                {
                    var node = _head;
                    RemoveLocked(node);
                }

                foreach (var (body, _) in _inGrace)
                {
                    body.Release();
                }

                _inGrace.Clear();
                _graceTimer?.Dispose();
            }
        }

        return default;
    }

    /// <summary>Whether a body of this metadata's declared length would be collected into one array of its own (not a file).</summary>
    internal bool CollectsInArray(EntryMetadata metadata)
        => metadata.BodyLength > 0 && metadata.BodyLength <= _maxObjectSize && metadata.BodyLength < _fileBodyThreshold;

    /// <summary>
    /// Publishes a body collected elsewhere (the tiered store's shared buffer); the array must not change afterwards.
    /// A body under 64 KB is copied into a native block, so the array is garbage once the disk tier has written it.
    /// </summary>
    internal bool PublishArray(EntryMetadata metadata, byte[] body)
    {
        if (NativeBodyArena.Fits(body.Length) && _arena.TryAllocate(body.Length) is { } native)
        {
            body.CopyTo(native.Writable);
            return PublishNative(metadata, native);
        }

        return Publish(metadata, body, null);
    }

    /// <summary>
    /// A native block for a body of <paramref name="length"/> that is collected elsewhere and published with
    /// <see cref="PublishShared"/> (the tiered store's shared writer), holding the caller's one reference; null when the
    /// body would not be a block here (too large) or the system has no memory.
    /// </summary>
    internal NativeBody? TryAllocateShared(long length)
        => NativeBodyArena.Fits(length) && length < _fileBodyThreshold && length <= _maxObjectSize ? _arena.TryAllocate((int)length) : null;

    /// <summary>
    /// Publishes a block from <see cref="TryAllocateShared"/> that others hold references on too (the writer, the disk
    /// tier's queued row): the tier takes a reference of its own; the caller keeps and gives back its own. A block the
    /// tier does not take counts as removed bytes for as long as another holder keeps it, as an evicted one does.
    /// </summary>
    internal bool PublishShared(EntryMetadata metadata, NativeBody native)
    {
        if (!native.TryAcquire())
        {
            return false;
        }

        if (PublishNative(metadata, native))
        {
            return true;
        }

        // PublishNative gave the tier's reference back; the caller's keeps the block alive until it is counted.
        native.MarkRemoved();
        return false;
    }

    /// <summary>Publishes a body written into a native block; the tier takes over the writer's reference.</summary>
    private bool PublishNative(EntryMetadata metadata, NativeBody native)
    {
        var charge = Charge(metadata, native.BlockSize);
        if (charge > _capacity || native.Length > _maxObjectSize)
        {
            native.Release();
            return false;
        }

        return Insert(new MemoryCacheEntry(metadata, native), charge);
    }

    /// <summary>
    /// What an entry holds on the heap: its body, its key, and its metadata's own strings (URL and host when they are not
    /// the key, every response field, every tag). The fields are charged because they are not small beside a small
    /// body: an nginx response's eight fields are about 1 KB, a tenth of a 10 KB body, and uncharged they let a full
    /// 64 MB tier hold 70 MB of heap (docs/performance.md, "Session 10: RSS"). Computed from the metadata alone, so the
    /// charge at removal is the charge at publish.
    /// </summary>
    private static long Charge(EntryMetadata metadata, long bodyLength)
    {
        const int StringOverhead = 24;
        const int FieldOverhead = 16;
        var charge = EntryOverhead + (metadata.Key.Length * 2L) + bodyLength;
        if (!ReferenceEquals(metadata.Url, metadata.Key))
        {
            charge += StringOverhead + (metadata.Url.Length * 2L);
        }

        charge += StringOverhead + (metadata.Host.Length * 2L);
        var headers = metadata.Headers;
        for (var i = 0; i < headers.Count; i++)
        {
            // Names are mostly the shared strings of well-known fields: only the values are charged as strings.
            charge += FieldOverhead + StringOverhead + (headers[i].Value.Length * 2L);
        }

        var tags = metadata.Tags;
        for (var i = 0; i < tags.Count; i++)
        {
            charge += StringOverhead + (tags[i].Length * 2L);
        }

        return charge;
    }

    private bool Publish(EntryMetadata metadata, byte[]? body, MemoryBodyFile? file)
    {
        var length = file?.Length ?? body!.Length;
        var charge = Charge(metadata, length);
        if (charge > _capacity || length > _maxObjectSize)
        {
            file?.Release();
            return false;
        }

        return Insert(file is not null ? new MemoryCacheEntry(metadata, file) : new MemoryCacheEntry(metadata, body!), charge);
    }

    private bool Insert(MemoryCacheEntry node, long charge)
    {
        var metadata = node.Metadata;
        lock (_evictionLock)
        {
            if (_disposed)
            {
                node.CountedBody?.Release();
                return false;
            }

            if (_table.Find(metadata.Key) is { } old)
            {
                RemoveLocked(old);
            }

            // Removed bodies still held (being sent, or in their grace) are memory the tier uses: they count.
            while (_bytes + _files.RemovedBytes + _arena.RemovedBytes + charge > _capacity && _tail is not null)
            {
                EvictOneLocked();
            }

            _table.Add(node);
            node.Next = _head;
            if (_head is not null)
            {
                _head.Previous = node;
            }

            _head = node;
            _tail ??= node;
            _bytes += charge;
        }

        return true;
    }

    private bool Replace(MemoryCacheEntry old, MemoryCacheEntry replacement)
    {
        lock (_evictionLock)
        {
            if (old.Removed || !_table.Replace(old, replacement))
            {
                return false;
            }

            // The replacement takes the old entry's place in the SIEVE queue, with its visited bit.
            replacement.Visited = old.Visited;
            replacement.Next = old.Next;
            replacement.Previous = old.Previous;
            if (old.Previous is not null)
            {
                old.Previous.Next = replacement;
            }
            else
            {
                _head = replacement;
            }

            if (old.Next is not null)
            {
                old.Next.Previous = replacement;
            }
            else
            {
                _tail = replacement;
            }

            if (_hand == old)
            {
                _hand = replacement;
            }

            old.Removed = true;
            old.Next = old.Previous = null;
            return true;
        }
    }

    private bool Remove(MemoryCacheEntry node)
    {
        lock (_evictionLock)
        {
            return RemoveLocked(node);
        }
    }

    private bool RemoveLocked(MemoryCacheEntry node)
    {
        if (node.Removed)
        {
            return false;
        }

        _table.Remove(node);
        node.Removed = true;
        if (_hand == node)
        {
            _hand = node.Previous;
        }

        if (node.Previous is not null)
        {
            node.Previous.Next = node.Next;
        }
        else
        {
            _head = node.Next;
        }

        if (node.Next is not null)
        {
            node.Next.Previous = node.Previous;
        }
        else
        {
            _tail = node.Previous;
        }

        node.Next = node.Previous = null;
        _bytes -= Charge(node.Metadata, node.ChargedBodyLength);
        if (node.CountedBody is { } counted)
        {
            ReleaseRemovedLocked(node, counted);
        }

        return true;
    }

    /// <summary>
    /// Gives back the tier's reference on a removed entry's body file or native block: now, unless the entry was hit
    /// within the grace (<see cref="RemovalGrace"/>), in which case when that ends. Readers' references keep it longer.
    /// </summary>
    private void ReleaseRemovedLocked(MemoryCacheEntry node, ITierBody file)
    {
        file.MarkRemoved();
        var now = _time.GetUtcNow().UtcTicks;

        // Pairs with the hit's fence in GetAsync: the Removed flag set before must be visible before the hit time is read.
        Interlocked.MemoryBarrier();
        var until = Volatile.Read(ref node.LastHitTicks) + _removalGraceTicks;
        if (until <= now || _disposed)
        {
            file.Release();
            return;
        }

        _inGrace.Add((file, until));
        _graceTimer ??= _time.CreateTimer(static state => ((MemoryStore)state!).EndGraces(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        if (_inGrace.Count == 1)
        {
            _graceTimer.Change(TimeSpan.FromTicks(until - now), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Releases the body files whose grace has ended, and sets the timer for the next.</summary>
    private void EndGraces()
    {
        lock (_evictionLock)
        {
            var now = _time.GetUtcNow().UtcTicks;
            var next = long.MaxValue;
            for (var i = _inGrace.Count - 1; i >= 0; i--)
            {
                var (file, until) = _inGrace[i];
                if (until <= now)
                {
                    _inGrace.RemoveAt(i);
                    file.Release();
                }
                else
                {
                    next = Math.Min(next, until);
                }
            }

            if (next != long.MaxValue && !_disposed)
            {
                _graceTimer?.Change(TimeSpan.FromTicks(next - now), Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void EvictOneLocked()
    {
        var now = _time.GetUtcNow();
        var hand = _hand ?? _tail;
        while (hand is not null)
        {
            if (hand.Visited && hand.Metadata.ExpiresAt > now)
            {
                hand.Visited = false;
                hand = hand.Previous ?? _tail;
                continue;
            }

            _hand = hand.Previous;
            RemoveLocked(hand);
            _evictions++;
            return;
        }
    }
}
