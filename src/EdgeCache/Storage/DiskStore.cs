using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCache.Storage;

/// <summary>
/// The disk tier: a SQLite index plus one body file per entry, surviving restarts and crashes.
/// </summary>
/// <remarks>
/// <para>Crash safety rule: a body is written to <c>tmp/</c>, flushed to disk, renamed to its final
/// name, and only then is the index row committed. A row therefore always names a whole file; a crash
/// at any point leaves at worst an orphan file, which the next open removes.</para>
/// <para>Every failure (full disk, I/O error, corrupt row) is logged and answered as "not found" or
/// "not stored"; no method throws to its caller for the store's own failures.</para>
/// </remarks>
public sealed class DiskStore : ICacheStore
{
    private const string IndexFileName = "index.db";
    private const string CleanShutdownMarker = "clean-shutdown";
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
    private int _maintaining;
    private int _touchFlushQueued;
    private long _hits;
    private long _misses;
    private long _evictions;
    private int _disposed;

    private DiskStore(DiskStoreOptions options, TimeProvider time, ILogger logger, DiskIndex index, string root)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _index = index;
        DataDirectory = root;
        _tempDirectory = Path.Combine(root, "tmp");
        _bodyDirectory = Path.Combine(root, "bodies");
        _maxObjectSize = options.EffectiveMaxObjectSize;
        _maintenanceTimer = time.CreateTimer(static s => ((DiskStore)s!).Maintain(), this, options.MaintenanceInterval, options.MaintenanceInterval);
    }

    /// <inheritdoc />
    public string Name => "disk";

    /// <summary>The directory that holds the index and the bodies (full path).</summary>
    public string DataDirectory { get; }

    /// <summary>Finishes when the recovery after an unclean shutdown has removed orphans (completed at once after a clean one).</summary>
    public Task Recovery { get; private set; } = Task.CompletedTask;

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
            index = DiskIndex.Open(indexPath);

            // From here on a crash must trigger recovery at the next open.
            File.Delete(marker);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            throw new IOException($"The disk tier cannot create or open its data directory '{root}': {ex.Message}", ex);
        }

        var store = new DiskStore(options, timeProvider ?? TimeProvider.System, logger, index, root);
        StorageLog.DiskOpened(logger, root, index.Entries, index.Bytes, clean ? "clean" : "unclean, recovering");
        if (!clean)
        {
            store.Recovery = Task.Run(store.Recover);
        }

        return store;
    }

    /// <inheritdoc />
    public ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        try
        {
            if (Volatile.Read(ref _disposed) == 0 && _index.TryFind(Hash(key), out var row) && row.Key == key)
            {
                var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
                if (row.ExpiresMs > now && EntryMetadataSerializer.TryDeserialize(row.Metadata, out var metadata))
                {
                    var path = BodyPath(row.Id);
                    if (BodyIsWhole(path, row.Size))
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

        var temp = Path.Combine(_tempDirectory, Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = 0,
                PreallocationSize = metadata.BodyLength > 0 ? metadata.BodyLength : 0,
            });
            return new ValueTask<ICacheEntryWriter?>(new DiskEntryWriter(this, metadata, temp, stream));
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
        try
        {
            _index.Delete(Hash(key), key, removed);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            StorageLog.DiskOperationFailed(_logger, "delete", ex);
            return new ValueTask<bool>(false);
        }

        ScheduleDeletes(removed);
        return new ValueTask<bool>(removed.Count > 0);
    }

    /// <inheritdoc />
    public ValueTask<long> PurgeAsync(PurgeRequest purge, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(purge);
        var removed = new List<DiskIndex.Removed>();
        long count;
        try
        {
            count = _index.Purge(purge, removed);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            StorageLog.DiskOperationFailed(_logger, "purge", ex);
            return new ValueTask<long>(0);
        }

        ScheduleDeletes(removed);
        return new ValueTask<long>(count);
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

    /// <summary>Flushes the index, deletes pending files and marks the shutdown clean.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
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

    /// <summary>The final step of a write: rename the flushed temp file into place and commit its row.</summary>
    internal bool Publish(EntryMetadata metadata, string tempPath, long length)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }

        var id = _index.NextId();
        var path = BodyPath(id);
        File.Move(tempPath, path, overwrite: true);
        var stored = metadata with { BodyLength = length };
        var row = new DiskIndex.NewRow(
            id,
            Hash(metadata.Key),
            metadata.Key,
            metadata.Url,
            metadata.Host,
            length,
            metadata.ExpiresAt.ToUnixTimeMilliseconds(),
            _time.GetUtcNow().ToUnixTimeMilliseconds(),
            metadata.Invalidated,
            EntryMetadataSerializer.Serialize(stored));
        var removed = new List<DiskIndex.Removed>();
        try
        {
            // Bodies past their grace go now rather than at the next maintenance; what is still on disk
            // outside the index (in grace, or other writes in flight) is room the index cannot have.
            DeleteDueFiles(_time.GetUtcNow().ToUnixTimeMilliseconds(), everything: false);
            var outside = Interlocked.Read(ref _pendingDeleteBytes) + Math.Max(0, Interlocked.Read(ref _inFlightBytes) - length);
            var evicted = _index.Insert(row, metadata.Tags, Math.Max(length, _options.SizeLimit - outside), removed);
            Interlocked.Add(ref _evictions, evicted);
        }
        catch
        {
            TryDeleteFile(path);
            throw;
        }

        ScheduleDeletes(removed);
        RequestTouchFlush();

        return true;
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
            _pendingDeletes.Enqueue((BodyPath(row.Id), due, row.Size));
            Interlocked.Add(ref _pendingDeleteBytes, row.Size);
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
