using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCache.Storage;

/// <summary>
/// The disk tier: a SQLite index plus one body file per entry, surviving restarts and crashes.
/// </summary>
/// <remarks>
/// <para>Crash safety rule: a body is written to <c>tmp/</c>, renamed to its final name, and only then is
/// its index row queued (write-behind) and committed, many rows per transaction. A row therefore always
/// names a file that was whole when it was queued; a crash of the process at any point leaves at worst an
/// orphan file, which the next open removes. Nothing is flushed to the device per entry: a crash of the
/// machine may lose or damage recent bodies, so after a reboot every body of an earlier boot is checked
/// against the length and checksum (XxHash3) in its row before it is served, and a damaged one is a miss
/// and is dropped.</para>
/// <para>A queued entry is visible at once (a table of pending entries is consulted before the index);
/// a delete or purge removes matching pending entries under the same lock that commits batches, so a
/// queued write never outlives a purge that selects it. When the queue is full the write is dropped
/// (counted in <c>edgecache.store.writes_dropped</c>): the request never waits for the disk.</para>
/// <para>Every failure (full disk, I/O error, corrupt row) is logged and answered as "not found" or
/// "not stored"; no method throws to its caller for the store's own failures.</para>
/// </remarks>
public sealed partial class DiskStore : ICacheStore
{
    private const string IndexFileName = "index.db";
    private const string CleanShutdownMarker = "clean-shutdown";
    private const string BootIdFile = "boot-id";
    private const int ExpiredBatch = 1000;
    private const int TouchFlushThreshold = 10_000;

    // A row kept in the lookup cache is read from the index again after this long, so that a body file removed or
    // damaged behind the store's back (every change the store makes drops the row at once) is noticed.
    private const long LookupRevalidationMs = 30_000;

    private readonly DiskStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly DiskIndex _index;
    private readonly string _tempDirectory;
    private readonly string _bodyDirectory;
    private readonly long _maxObjectSize;
    private readonly DiskLookupCache _lookups;

    // Bytes on disk outside the index: removed bodies waiting out their grace, and bodies still being written.
    // Both count against the size limit, so the directory as a whole stays within it.
    private long _pendingDeleteBytes;
    private long _inFlightBytes;
    private readonly ITimer _maintenanceTimer;

    // Entries written and queued, not yet in the index: the newest per key (what a read finds), and every
    // queued one by id (what a delete or purge must cancel: a replaced one is still committed, in order).
    private readonly ConcurrentDictionary<string, PendingEntry> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, PendingEntry> _queuedById = new();

    // Serialises a batch commit with deletes and purges, so that each sees the pending table and the index agree.
    private readonly Lock _publishLock = new();

    // Rows with an id below this were written before a reboot (or on an unknown boot): verified on read until the pass ends.
    private long _verifyBelow;
    private int _maintaining;

    private int _touchFlushQueued;
    private long _hits;
    private long _misses;
    private long _evictions;
    private int _disposed;

    private DiskStore(DiskStoreOptions options, TimeProvider time, ILogger logger, DiskIndex index, string root, bool rebooted)
    {
        _queue = Channel.CreateBounded<PendingEntry>(new BoundedChannelOptions(options.WriteQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _verifyBelow = rebooted ? index.FirstIdOfThisProcess : 0;
        _options = options;
        _time = time;
        _logger = logger;
        _index = index;
        DataDirectory = root;
        _tempDirectory = Path.Combine(root, "tmp");
        _bodyDirectory = Path.Combine(root, "bodies");
        _maxObjectSize = options.EffectiveMaxObjectSize;
        _lookups = index.Lookups;
        _maintenanceTimer = time.CreateTimer(static s => ((DiskStore)s!).Maintain(), this, options.MaintenanceInterval, options.MaintenanceInterval);
        _committer = Task.Factory.StartNew(CommitQueued, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <inheritdoc />
    public string Name => "disk";

    /// <summary>The directory that holds the index and the bodies (full path).</summary>
    public string DataDirectory { get; }

    /// <summary>
    /// Finishes when the recovery after an unclean shutdown has removed orphans, and after a reboot every
    /// body of the earlier boot has been checked (completed at once after a clean shutdown on the same boot).
    /// </summary>
    public Task Recovery { get; private set; } = Task.CompletedTask;

    /// <summary>
    /// Finishes when the filter of key hashes has counted every row of the index (the open does not wait for it); from
    /// then on a lookup of a key that was never written costs no query.
    /// </summary>
    internal Task KeyFilterFilled { get; private set; } = Task.CompletedTask;

    /// <summary>The filter's occupied buckets (tests).</summary>
    internal int KeyFilterOccupied => _index.KeyFilterOccupied;

    /// <summary>Disk writes dropped because the write-behind queue was full.</summary>
    public long WritesDropped => Interlocked.Read(ref _writesDropped);

    /// <summary>
    /// Opens (or creates) the store in <see cref="DiskStoreOptions.DataDirectory"/>. Temporary files of an
    /// interrupted write are deleted; after an unclean shutdown, orphan body files and rows without a body
    /// are removed in the background (<see cref="Recovery"/>) while the store already serves.
    /// </summary>
    /// <exception cref="IOException">The directory or the index cannot be created or opened.</exception>
    public static DiskStore Open(DiskStoreOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        options ??= new DiskStoreOptions();
        options.Validate();
        logger ??= NullLogger.Instance;
        var root = Path.GetFullPath(options.DataDirectory);
        DiskIndex index;
        bool clean;
        bool rebooted;
        try
        {
            Directory.CreateDirectory(root);
            var temp = Directory.CreateDirectory(Path.Combine(root, "tmp"));
            foreach (var file in temp.EnumerateFiles())
            {
                file.Delete();
            }

            var bodies = Path.Combine(root, "bodies");
            for (var shard = 0; shard < 256; shard++)
            {
                Directory.CreateDirectory(Path.Combine(bodies, shard.ToString("x2", CultureInfo.InvariantCulture)));
            }

            var marker = Path.Combine(root, CleanShutdownMarker);
            var indexPath = Path.Combine(root, IndexFileName);
            clean = File.Exists(marker) || !File.Exists(indexPath);
            rebooted = SwapBootId(Path.Combine(root, BootIdFile));
            index = DiskIndex.Open(indexPath, KeyHashFilter.BucketsFor(options.SizeLimit), options.LookupCacheSize);

            // From here on a crash must trigger recovery at the next open.
            File.Delete(marker);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            throw new IOException($"The disk tier cannot create or open its data directory '{root}': {ex.Message}", ex);
        }

        var store = new DiskStore(options, timeProvider ?? TimeProvider.System, logger, index, root, rebooted);
        store.KeyFilterFilled = Task.Run(store.FillKeyFilter);
        StorageLog.DiskOpened(logger, root, index.Entries, index.Bytes, (clean ? "clean" : "unclean, recovering") + (rebooted ? "; bodies of an earlier boot are verified" : ""));
        if (!clean || rebooted)
        {
            store.Recovery = Task.Run(() =>
            {
                if (!clean)
                {
                    store.Recover();
                }

                if (rebooted)
                {
                    store.VerifyEarlierBodies();
                }
            });
        }

        return store;
    }

    /// <inheritdoc />
    public ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        try
        {
            if (Volatile.Read(ref _disposed) == 0)
            {
                var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
                if (_pending.TryGetValue(key, out var pending))
                {
                    // A pending entry replaces whatever the index holds for the key: never fall through to it.
                    if (pending.ExpiresMs > now && !HiddenByUnappliedPurge(pending.Id, pending.Metadata)
                        && TryReadPending(pending, out var array))
                    {
                        Interlocked.Increment(ref _hits);
                        var metadata = pending.Invalidated ? pending.Metadata with { Invalidated = true } : pending.Metadata;
                        return new ValueTask<CacheEntry?>(array is not null ? new MemoryCacheEntry(metadata, array) : new DiskCacheEntry(metadata, pending.Path!));
                    }
                }
                else
                {
                    var kept = _lookups.TryGet(key, out var cached);
                    if (kept && cached!.ExpiresMs > now && now - cached.ReadMs < LookupRevalidationMs)
                    {
                        // Kept from an earlier hit: no query, no open, no allocation. Every change of the row since dropped it.
                        if (!HiddenByUnappliedPurge(cached.Id, cached.Entry.Metadata))
                        {
                            return new ValueTask<CacheEntry?>(Hit(cached.Id, now, cached.Entry));
                        }
                    }
                    else if (FindInIndex(key, now, kept) is { } found)
                    {
                        return new ValueTask<CacheEntry?>(found);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            StorageLog.DiskReadFailed(_logger, key, ex);
        }

        Interlocked.Increment(ref _misses);
        return default;
    }

    /// <summary>
    /// The lookup of a key that is neither pending nor kept in memory: the index row, its body checked, and the entry kept
    /// in the lookup cache for the next hit. Null for a miss (a row kept before, <paramref name="kept"/>, that no longer
    /// answers is dropped).
    /// </summary>
    private CacheEntry? FindInIndex(string key, long now, bool kept)
    {
        // Read before the query: a row that a commit removes meanwhile is then not kept (see DiskLookupCache).
        var version = _lookups.Version;
        if (Hash(key) is var hash && _index.MayContain(hash) && _index.TryFind(hash, out var row) && row.Key == key)
        {
            if (row.ExpiresMs > now && EntryMetadataSerializer.TryDeserialize(row.Metadata, out var metadata) && !HiddenByUnappliedPurge(row.Id, metadata))
            {
                if (row.Invalidated)
                {
                    metadata = metadata with { Invalidated = true };
                }

                if (row.Body is { } body)
                {
                    // In the row: SQLite's write-ahead log (checksummed frames) keeps a committed row whole through a power loss.
                    if (body.Length == row.Size)
                    {
                        var inRow = new MemoryCacheEntry(metadata, body);
                        _lookups.TryAdd(key, new DiskLookupCache.CachedRow(row.Id, inRow, row.ExpiresMs, now, null, body.Length), version);
                        return Hit(row.Id, now, inRow);
                    }
                }
                else
                {
                    var path = BodyPath(row.Id);
                    if (OpenWholeBody(path, row.Size, out var file) && (row.Id >= Volatile.Read(ref _verifyBelow) || BodyMatches(path, row.Size, row.Checksum)))
                    {
                        var inFile = new DiskCacheEntry(metadata, path, file);
                        if (file is not null)
                        {
                            _lookups.TryAdd(key, new DiskLookupCache.CachedRow(row.Id, inFile, row.ExpiresMs, now, file, 0), version);
                        }

                        return Hit(row.Id, now, inFile);
                    }

                    file?.Release();
                }

                StorageLog.DiskBodyMissing(_logger, key);
                RemoveRow(row.Id);
            }
        }

        if (kept)
        {
            _lookups.Remove(key);
        }

        return null;
    }

    private CacheEntry Hit(long id, long now, CacheEntry entry)
    {
        _index.Touch(id, now);
        RequestTouchFlush();
        Interlocked.Increment(ref _hits);
        return entry;
    }

    /// <inheritdoc />
    public ValueTask<ICacheEntryWriter?> BeginWriteAsync(EntryMetadata metadata, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.BodyLength > _maxObjectSize || Volatile.Read(ref _disposed) != 0)
        {
            return default;
        }

        if (metadata.BodyLength >= 0 && metadata.BodyLength <= _options.InlineBodyLimit)
        {
            return new ValueTask<ICacheEntryWriter?>(new DiskEntryWriter(this, metadata, (int)metadata.BodyLength));
        }

        var temp = Path.Combine(_tempDirectory, Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            var file = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, metadata.BodyLength > 0 ? metadata.BodyLength : 0);
            return new ValueTask<ICacheEntryWriter?>(new DiskEntryWriter(this, metadata, temp, file));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            StorageLog.DiskWriteFailed(_logger, metadata.Key, ex);
            TryDeleteFile(temp);
            return default;
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var removed = new List<DiskIndex.Removed>();
        var pendingRemoved = false;
        try
        {
            var hash = Hash(key);

            // Reads first: the common delete (of a key the tier never stored) then costs no write transaction.
            // The pending table before the index: the committer removes an entry from the table only after
            // its row is in, so one of the two always sees it.
            if (!_pending.ContainsKey(key) && !IsQueued(key) && !(_index.MayContain(hash) && _index.TryFind(hash, out var row) && row.Key == key))
            {
                return new ValueTask<bool>(false);
            }

            lock (_publishLock)
            {
                pendingRemoved = _pending.TryRemove(key, out _);
                foreach (var (_, entry) in _queuedById)
                {
                    if (!entry.Cancelled && entry.Metadata.Key == key)
                    {
                        entry.Cancelled = true;
                        ScheduleDelete(entry.Path, entry.Size);
                    }
                }

                _index.Delete(hash, key, removed);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            StorageLog.DiskOperationFailed(_logger, "delete", ex);
            return new ValueTask<bool>(pendingRemoved);
        }

        ScheduleDeletes(removed);
        return new ValueTask<bool>(pendingRemoved || removed.Count > 0);
    }

    /// <inheritdoc />
    public StoreStatistics GetStatistics() => new(
        Name, _index.Entries, _index.Bytes, _options.SizeLimit,
        Interlocked.Read(ref _hits), Interlocked.Read(ref _misses), Interlocked.Read(ref _evictions));

    /// <summary>
    /// Runs the background work now: writes batched access times, reclaims expired entries and deletes
    /// body files whose grace period is over. The maintenance timer calls this.
    /// </summary>
    public void Maintain()
    {
        if (Interlocked.Exchange(ref _maintaining, 1) != 0)
        {
            return;
        }

        try
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return;
            }

            _index.FlushTouches();
            RetryUnappliedPurges();
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            var removed = new List<DiskIndex.Removed>();
            int batch;
            do
            {
                var before = removed.Count;
                _index.DeleteExpired(now, ExpiredBatch, removed);
                batch = removed.Count - before;
            }
            while (batch == ExpiredBatch);

            ScheduleDeletes(removed);
            DeleteDueFiles(now, everything: false);
        }
        catch (Exception ex)
        {
            StorageLog.DiskOperationFailed(_logger, "maintenance", ex);
        }
        finally
        {
            Volatile.Write(ref _maintaining, 0);
        }
    }

    /// <summary>Commits the queued index rows, flushes the index, deletes pending files and marks the shutdown clean.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        try
        {
            await _committer.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            StorageLog.DiskOperationFailed(_logger, "write-behind", ex);
        }

        await _maintenanceTimer.DisposeAsync().ConfigureAwait(false);
        try
        {
            await KeyFilterFilled.ConfigureAwait(false);
            await Recovery.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            StorageLog.DiskOperationFailed(_logger, "recovery", ex);
        }

        // Wait for a maintenance pass that is running on the timer thread.
        for (var i = 0; i < 1000 && Volatile.Read(ref _maintaining) != 0; i++)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }

        try
        {
            _index.Dispose();
            DeleteDueFiles(0, everything: true);
            await File.WriteAllTextAsync(Path.Combine(DataDirectory, CleanShutdownMarker), "").ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            StorageLog.DiskOperationFailed(_logger, "close", ex);
        }
    }

    internal long MaxObjectSize => _maxObjectSize;

    /// <summary>Rows kept in the lookup cache (tests).</summary>
    internal int LookupCacheCount => _lookups.Count;

    internal long SizeLimit => _options.SizeLimit;

    /// <summary>Bytes written to temporary files of writes not yet published or aborted.</summary>
    internal long InFlightBytes => Interlocked.Read(ref _inFlightBytes);

    /// <summary>Bytes of removed bodies still on disk, waiting out <see cref="DiskStoreOptions.DeletionGrace"/>.</summary>
    internal long PendingDeleteBytes => Interlocked.Read(ref _pendingDeleteBytes);

    /// <summary>A writer's temporary file grew (or, negative, was published or removed).</summary>
    internal void AddInFlight(long bytes) => Interlocked.Add(ref _inFlightBytes, bytes);

    internal ILogger Logger => _logger;

    private static byte[] Hash(string key)
    {
        var length = Encoding.UTF8.GetMaxByteCount(key.Length);
        byte[]? rented = null;
        Span<byte> buffer = length <= 1024 ? stackalloc byte[length] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(key, buffer);
            return XxHash128.Hash(buffer[..written]);
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Writes batched access times in the background once many are pending (one flush at a time).</summary>
    private void RequestTouchFlush()
    {
        if (_index.PendingTouches > TouchFlushThreshold && Interlocked.CompareExchange(ref _touchFlushQueued, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.FlushTouchesQuietly(), this, preferLocal: false);
        }
    }

    private void FlushTouchesQuietly()
    {
        try
        {
            _index.FlushTouches();
        }
        catch (Exception ex)
        {
            StorageLog.DiskOperationFailed(_logger, "access time flush", ex);
        }
        finally
        {
            Volatile.Write(ref _touchFlushQueued, 0);
        }
    }
}
