using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Threading.Channels;
using EdgeCache.Diagnostics;
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
public sealed class DiskStore : ICacheStore
{
    private const string IndexFileName = "index.db";
    private const string CleanShutdownMarker = "clean-shutdown";
    private const string BootIdFile = "boot-id";
    private const int MaxBatch = 512;
    private const int VerifyBufferSize = 64 * 1024;
    private const int ExpiredBatch = 1000;
    private const int TouchFlushThreshold = 10_000;

    private readonly DiskStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly DiskIndex _index;
    private readonly string _tempDirectory;
    private readonly string _bodyDirectory;
    private readonly long _maxObjectSize;
    private readonly ConcurrentQueue<(string Path, long DueMs, long Size)> _pendingDeletes = new();

    // Bytes on disk outside the index: removed bodies waiting out their grace, and bodies still being written.
    // Both count against the size limit, so the directory as a whole stays within it.
    private long _pendingDeleteBytes;
    private long _inFlightBytes;
    private readonly ITimer _maintenanceTimer;

    // Entries written and queued, not yet in the index: the newest per key (what a read finds), and every
    // queued one by id (what a delete or purge must cancel: a replaced one is still committed, in order).
    private readonly ConcurrentDictionary<string, PendingEntry> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, PendingEntry> _queuedById = new();

    // Makes "newest in the table" and "last in the queue" the same entry for concurrent writers of a key.
    private readonly Lock _enqueueLock = new();
    private readonly Channel<PendingEntry> _queue;
    private readonly Task _committer;

    // Serialises a batch commit with deletes and purges, so that each sees the pending table and the index agree.
    private readonly Lock _publishLock = new();
    private TaskCompletionSource _batchDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _queued;
    private long _processed;
    private long _writesDropped;

    // Rows with an id below this were written before a reboot (or on an unknown boot): verified on read until the pass ends.
    private long _verifyBelow;
    private int _maintaining;

    // Purges the index could not apply (a full disk: SQLite needs room for its journal), each with the first
    // id written after it was asked. Until a retry at maintenance succeeds, an entry one of them selects whose
    // write began before it is a miss: a purge that failed here never leaves what it selects servable.
    private readonly List<(PurgeRequest Purge, long IdBelow)> _unappliedPurges = [];
    private int _unappliedCount;
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
        _maintenanceTimer = time.CreateTimer(static s => ((DiskStore)s!).Maintain(), this, options.MaintenanceInterval, options.MaintenanceInterval);
        _committer = Task.Run(CommitQueuedAsync);
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
            index = DiskIndex.Open(indexPath);

            // From here on a crash must trigger recovery at the next open.
            File.Delete(marker);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            throw new IOException($"The disk tier cannot create or open its data directory '{root}': {ex.Message}", ex);
        }

        var store = new DiskStore(options, timeProvider ?? TimeProvider.System, logger, index, root, rebooted);
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
                    if (pending.ExpiresMs > now && !HiddenByUnappliedPurge(pending.Id, pending.Metadata) && (pending.Body is not null || BodyIsWhole(pending.Path!, pending.Size)))
                    {
                        Interlocked.Increment(ref _hits);
                        var metadata = pending.Invalidated ? pending.Metadata with { Invalidated = true } : pending.Metadata;
                        return new ValueTask<CacheEntry?>(pending.Body is { } body ? new MemoryCacheEntry(metadata, body) : new DiskCacheEntry(metadata, pending.Path!));
                    }
                }
                else if (_index.TryFind(Hash(key), out var row) && row.Key == key)
                {
                    if (row.ExpiresMs > now && EntryMetadataSerializer.TryDeserialize(row.Metadata, out var metadata) && !HiddenByUnappliedPurge(row.Id, metadata))
                    {
                        if (row.Body is { } body)
                        {
                            // In the row: SQLite's write-ahead log (checksummed frames) keeps a committed row whole through a power loss.
                            if (body.Length == row.Size)
                            {
                                _index.Touch(row.Id, now);
                                RequestTouchFlush();
                                Interlocked.Increment(ref _hits);
                                return new ValueTask<CacheEntry?>(new MemoryCacheEntry(row.Invalidated ? metadata with { Invalidated = true } : metadata, body));
                            }
                        }

                        var path = BodyPath(row.Id);
                        if (row.Body is null && BodyIsWhole(path, row.Size) && (row.Id >= Volatile.Read(ref _verifyBelow) || BodyMatches(path, row.Size, row.Checksum)))
                        {
                            _index.Touch(row.Id, now);
                            RequestTouchFlush();
                            Interlocked.Increment(ref _hits);
                            if (row.Invalidated)
                            {
                                metadata = metadata with { Invalidated = true };
                            }

                            return new ValueTask<CacheEntry?>(new DiskCacheEntry(metadata, path));
                        }

                        StorageLog.DiskBodyMissing(_logger, key);
                        RemoveRow(row.Id);
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
            if (!_pending.ContainsKey(key) && !IsQueued(key) && !(_index.TryFind(hash, out var row) && row.Key == key))
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

    /// <summary>
    /// Waits until every write accepted before the call has its index row committed (or was given up), so
    /// that statistics, eviction and what a reopen finds reflect it. Serving never needs this.
    /// </summary>
    public async Task FlushAsync()
    {
        var target = Interlocked.Read(ref _queued);
        while (true)
        {
            var done = Volatile.Read(ref _batchDone);
            if (Interlocked.Read(ref _processed) >= target || _committer.IsCompleted)
            {
                return;
            }

            await done.Task.ConfigureAwait(false);
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

    internal long SizeLimit => _options.SizeLimit;

    /// <summary>Bytes written to temporary files of writes not yet published or aborted.</summary>
    internal long InFlightBytes => Interlocked.Read(ref _inFlightBytes);

    /// <summary>Bytes of removed bodies still on disk, waiting out <see cref="DiskStoreOptions.DeletionGrace"/>.</summary>
    internal long PendingDeleteBytes => Interlocked.Read(ref _pendingDeleteBytes);

    /// <summary>A writer's temporary file grew (or, negative, was published or removed).</summary>
    internal void AddInFlight(long bytes) => Interlocked.Add(ref _inFlightBytes, bytes);

    internal ILogger Logger => _logger;

    /// <summary>
    /// The final step of a write: rename the temp file into place and queue its index row. Returns false
    /// (the body file removed) when the store is closing or the queue is full.
    /// </summary>
    internal bool Publish(EntryMetadata metadata, string? tempPath, byte[]? body, long length, long checksum)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }

        var id = _index.NextId();
        string? path = null;
        if (tempPath is not null)
        {
            path = BodyPath(id);
            File.Move(tempPath, path, overwrite: true);
        }

        var pending = new PendingEntry(
            metadata with { BodyLength = length },
            id,
            path,
            body,
            length,
            checksum,
            metadata.ExpiresAt.ToUnixTimeMilliseconds(),
            _time.GetUtcNow().ToUnixTimeMilliseconds());

        lock (_enqueueLock)
        {
            // Visible before it is queued: the committer removes it from the table once its row is in.
            _pending[metadata.Key] = pending;
            _queuedById[id] = pending;
            if (_queue.Writer.TryWrite(pending))
            {
                Interlocked.Increment(ref _queued);
                return true;
            }

            _queuedById.TryRemove(id, out _);
            _pending.TryRemove(new KeyValuePair<string, PendingEntry>(metadata.Key, pending));
        }

        if (path is not null)
        {
            TryDeleteFile(path);
        }

        if (Volatile.Read(ref _disposed) == 0)
        {
            Interlocked.Increment(ref _writesDropped);
            EdgeCacheTelemetry.StoreWritesDropped.Add(1, new KeyValuePair<string, object?>("tier", Name));
            StorageLog.DiskWriteDropped(_logger, metadata.Key);
        }

        return false;
    }

    internal static void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // An orphan is removed by the next recovery; nothing more to do now.
        }
    }

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

    /// <summary>A written body waiting for its index row.</summary>
    private sealed class PendingEntry(EntryMetadata metadata, long id, string? path, byte[]? body, long size, long checksum, long expiresMs, long writtenMs)
    {
        private volatile bool _invalidated;

        public EntryMetadata Metadata { get; } = metadata;

        public long Id { get; } = id;

        /// <summary>The body file; null when the body goes into the row (<see cref="Body"/>).</summary>
        public string? Path { get; } = path;

        public byte[]? Body { get; } = body;

        public long Size { get; } = size;

        public long Checksum { get; } = checksum;

        public long ExpiresMs { get; } = expiresMs;

        public long WrittenMs { get; } = writtenMs;

        /// <summary>Set by a delete or purge while the entry waits (under the publish lock): its row is never committed.</summary>
        public bool Cancelled { get; set; }

        /// <summary>Set by a soft purge while the entry waits (under the publish lock).</summary>
        public bool Invalidated
        {
            get => _invalidated;
            set => _invalidated = value;
        }
    }

    private static bool BodyIsWhole(string path, long size)
    {
        var info = new FileInfo(path);
        return info.Exists && info.Length == size;
    }

    private string BodyPath(long id) => Path.Combine(
        _bodyDirectory,
        (id & 0xFF).ToString("x2", CultureInfo.InvariantCulture),
        id.ToString("x16", CultureInfo.InvariantCulture));

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

    /// <summary>Reads the queue and commits what it holds in batches, until the store closes and the queue is empty.</summary>
    private async Task CommitQueuedAsync()
    {
        var batch = new List<PendingEntry>(MaxBatch);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            if (_options.BeforeBatchCommit is { } pause)
            {
                await pause().ConfigureAwait(false);
            }

            try
            {
                CommitBatch(batch);
            }
            catch (Exception ex)
            {
                // The committer must outlive any one batch: its entries are given up, the next batch still commits.
                StorageLog.DiskOperationFailed(_logger, "index commit", ex);
                GiveUp(batch);
            }

            Interlocked.Add(ref _processed, batch.Count);
            batch.Clear();
            Interlocked.Exchange(ref _batchDone, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).SetResult();
        }

        Interlocked.Exchange(ref _batchDone, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).SetResult();
    }

    private void CommitBatch(List<PendingEntry> batch)
    {
        var rows = new List<(DiskIndex.NewRow, IReadOnlyList<string>)>(batch.Count);
        var removed = new List<DiskIndex.Removed>();
        lock (_publishLock)
        {
            foreach (var entry in batch)
            {
                if (!entry.Cancelled)
                {
                    var metadata = entry.Metadata;
                    rows.Add((new DiskIndex.NewRow(
                        entry.Id,
                        Hash(metadata.Key),
                        metadata.Key,
                        metadata.Url,
                        metadata.Host,
                        entry.Size,
                        entry.ExpiresMs,
                        entry.WrittenMs,
                        metadata.Invalidated || entry.Invalidated,
                        EntryMetadataSerializer.Serialize(metadata),
                        entry.Checksum,
                        entry.Body), metadata.Tags));
                }

                // A cancelled entry was removed by a delete or purge while it waited; its file is already scheduled for deletion.
            }

            try
            {
                if (rows.Count > 0)
                {
                    // Bodies past their grace go now rather than at the next maintenance; what is still on disk
                    // outside the index (in grace, or writes in flight) is room the index cannot have.
                    DeleteDueFiles(_time.GetUtcNow().ToUnixTimeMilliseconds(), everything: false);
                    var largest = 0L;
                    foreach (var (row, _) in rows)
                    {
                        largest = Math.Max(largest, row.Size);
                    }

                    var outside = Interlocked.Read(ref _pendingDeleteBytes) + Math.Max(0, Interlocked.Read(ref _inFlightBytes));
                    var evicted = _index.InsertBatch(rows, Math.Max(largest, _options.SizeLimit - outside), removed);
                    Interlocked.Add(ref _evictions, evicted);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                StorageLog.DiskOperationFailed(_logger, "index commit", ex);
                GiveUp(batch);
                return;
            }

            foreach (var entry in batch)
            {
                _queuedById.TryRemove(entry.Id, out _);
                _pending.TryRemove(new KeyValuePair<string, PendingEntry>(entry.Metadata.Key, entry));
            }
        }

        ScheduleDeletes(removed);
        RequestTouchFlush();
    }

    /// <summary>Drops the entries of a batch whose rows could not be committed (not cached; their files go).</summary>
    private void GiveUp(List<PendingEntry> batch)
    {
        lock (_publishLock)
        {
            foreach (var entry in batch)
            {
                _queuedById.TryRemove(entry.Id, out _);
                _pending.TryRemove(new KeyValuePair<string, PendingEntry>(entry.Metadata.Key, entry));
                if (!entry.Cancelled)
                {
                    entry.Cancelled = true;
                    ScheduleDelete(entry.Path, entry.Size);
                }
            }
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

    /// <summary>
    /// Records this boot's id beside the data and says whether the bodies there may predate a reboot (a
    /// different or unknown boot id): only then can the page cache have lost writes that were never flushed.
    /// </summary>
    private static bool SwapBootId(string path)
    {
        string? current = null;
        try
        {
            current = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not Linux: every open counts as after a reboot.
        }

        var previous = File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        if (current is not null && current != previous)
        {
            File.WriteAllText(path, current);
        }

        return current is null || current != previous;
    }

    /// <summary>Whether a body has its row's length and checksum (rows of an index that predates checksums: length only).</summary>
    private static bool BodyMatches(string path, long size, long? checksum)
    {
        if (checksum is not { } expected)
        {
            return true;
        }

        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan);
        var hash = new XxHash3();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(VerifyBufferSize);
        try
        {
            long offset = 0;
            int read;
            while ((read = RandomAccess.Read(file, buffer, offset)) > 0)
            {
                hash.Append(buffer.AsSpan(0, read));
                offset += read;
            }

            return offset == size && (long)hash.GetCurrentHashAsUInt64() == expected;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>After a reboot: checks every body written before it and drops the damaged ones; then reads trust them.</summary>
    private void VerifyEarlierBodies()
    {
        try
        {
            var below = Volatile.Read(ref _verifyBelow);
            var rows = _index.BodiesBelow(below);
            var damaged = 0L;
            foreach (var (id, size, checksum) in rows)
            {
                if (Volatile.Read(ref _disposed) != 0)
                {
                    return;
                }

                var path = BodyPath(id);
                bool whole;
                try
                {
                    whole = BodyIsWhole(path, size) && BodyMatches(path, size, checksum);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    whole = false;
                }

                if (!whole)
                {
                    damaged++;
                    RemoveRow(id);
                }
            }

            Volatile.Write(ref _verifyBelow, 0);
            StorageLog.DiskVerified(_logger, rows.Count, damaged);
        }
        catch (Exception ex)
        {
            StorageLog.DiskOperationFailed(_logger, "verification", ex);
        }
    }

    /// <summary>Whether an entry of the key waits in the queue though the table no longer names it (its newer write was dropped).</summary>
    private bool IsQueued(string key)
    {
        foreach (var (_, entry) in _queuedById)
        {
            if (!entry.Cancelled && entry.Metadata.Key == key)
            {
                return true;
            }
        }

        return false;
    }

    private void ScheduleDelete(string? path, long size)
    {
        if (path is not null)
        {
            _pendingDeletes.Enqueue((path, _time.GetUtcNow().ToUnixTimeMilliseconds() + (long)_options.DeletionGrace.TotalMilliseconds, size));
            Interlocked.Add(ref _pendingDeleteBytes, size);
        }
    }

    private void RemoveRow(long id)
    {
        var removed = new List<DiskIndex.Removed>();
        _index.DeleteById(id, removed);
        ScheduleDeletes(removed);
    }

    private void ScheduleDeletes(List<DiskIndex.Removed> removed)
    {
        if (removed.Count == 0)
        {
            return;
        }

        var due = _time.GetUtcNow().ToUnixTimeMilliseconds() + (long)_options.DeletionGrace.TotalMilliseconds;
        foreach (var row in removed)
        {
            if (row.HasFile)
            {
                _pendingDeletes.Enqueue((BodyPath(row.Id), due, row.Size));
                Interlocked.Add(ref _pendingDeleteBytes, row.Size);
            }
        }
    }

    private void DeleteDueFiles(long nowMs, bool everything)
    {
        while (_pendingDeletes.TryPeek(out var next) && (everything || next.DueMs <= nowMs))
        {
            if (_pendingDeletes.TryDequeue(out var item))
            {
                TryDeleteFile(item.Path);
                Interlocked.Add(ref _pendingDeleteBytes, -item.Size);
            }
        }
    }

    private void Recover()
    {
        try
        {
            var below = _index.FirstIdOfThisProcess;
            var rows = new HashSet<long>(_index.IdsBelow(below));
            long orphanFiles = 0;
            foreach (var shard in Directory.EnumerateDirectories(_bodyDirectory))
            {
                foreach (var file in Directory.EnumerateFiles(shard))
                {
                    if (Volatile.Read(ref _disposed) != 0)
                    {
                        return;
                    }

                    var name = Path.GetFileName(file);
                    if (!long.TryParse(name, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var id))
                    {
                        TryDeleteFile(file);
                        orphanFiles++;
                    }
                    else if (id < below && !rows.Remove(id))
                    {
                        TryDeleteFile(file);
                        orphanFiles++;
                    }
                }
            }

            // What is left in the set are rows whose file was never seen.
            var removed = new List<DiskIndex.Removed>();
            foreach (var id in rows)
            {
                _index.DeleteById(id, removed);
            }

            StorageLog.DiskRecovered(_logger, orphanFiles, rows.Count);
        }
        catch (Exception ex)
        {
            StorageLog.DiskOperationFailed(_logger, "recovery", ex);
        }
    }
}
