using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Storage;

/// <content>Write-behind: a written body's row is queued and committed by one background task, many rows per transaction.</content>
public sealed partial class DiskStore
{
    private const int MaxBatch = 512;

    // A batch that is not full waits this long for more rows: a transaction's fixed cost (its WAL frames for the
    // table, five indexes and the totals, the commit) is most of a row's when rows come one or two per commit.
    private static readonly TimeSpan CommitLinger = TimeSpan.FromMilliseconds(4);

    // Queued (not yet committed or given up) entries per key: a delete of a key that is not pending answers "not queued"
    // without walking the queue (which a full queue makes thousands long). Counts per bucket of the key's hash (16,384)
    // did the same only while the bucket was empty: with a full queue of 4096 rows a fifth of the deletes of new keys
    // (the tiered store's delete below after every dropped write) walked the queue, the top of a tiered miss's profile.
    private readonly ConcurrentDictionary<string, int> _queuedKeys = new(StringComparer.Ordinal);

    // Makes "newest in the table" and "last in the queue" the same entry for concurrent writers of a key.
    private readonly Lock _enqueueLock = new();

    // The serialized metadata of a batch's rows, one after the other, reused batch after batch (under _publishLock): an
    // array per row was a third of what a put allocated on the committer.
    private readonly System.Buffers.ArrayBufferWriter<byte> _rowMetadata = new(16 * 1024);
    private readonly Channel<PendingEntry> _queue;
    private readonly Task _committer;

    private TaskCompletionSource _batchDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _queued;

    // Bytes of the bodies held by queued rows (bodies kept in their row; a body in a file costs the queue nothing):
    // bounded by WriteQueueBytes, as rows by WriteQueueCapacity.
    private long _queuedBodyBytes;
    private long _processed;
    private long _writesDropped;

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

    /// <summary>
    /// The final step of a write: rename the temp file into place and queue its index row. Returns false
    /// (the body file removed) when the store is closing or the queue is full.
    /// </summary>
    /// <remarks>
    /// A body kept in the row is an array of its own or, with <paramref name="bodyOwner"/>, the memory tier's block: the
    /// queued entry then owns one reference on it, which the committer gives back; when the entry is not queued the
    /// caller keeps it.
    /// </remarks>
    internal bool Publish(EntryMetadata metadata, string? tempPath, ReadOnlyMemory<byte>? body, ITierBody? bodyOwner, long length, long checksum)
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
            bodyOwner,
            length,
            checksum,
            metadata.ExpiresAt.ToUnixTimeMilliseconds(),
            _time.GetUtcNow().ToUnixTimeMilliseconds());

        lock (_enqueueLock)
        {
            // Counted before it is queued (the committer takes it off once the row is in), and visible in the
            // table before it is queued (the committer removes it from there once its row is in).
            var bodyBytes = body?.Length ?? 0;
            if (Interlocked.Add(ref _queuedBodyBytes, bodyBytes) <= _options.WriteQueueBytes)
            {
                _pending[metadata.Key] = pending;
                AddQueued(pending);
                if (_queue.Writer.TryWrite(pending))
                {
                    Interlocked.Increment(ref _queued);
                    return true;
                }
            }

            Interlocked.Add(ref _queuedBodyBytes, -bodyBytes);

            RemoveQueued(pending);
            _pending.TryRemove(new KeyValuePair<string, PendingEntry>(metadata.Key, pending));
        }

        if (path is not null)
        {
            TryDeleteFile(path);
        }

        if (Volatile.Read(ref _disposed) == 0)
        {
            Interlocked.Increment(ref _writesDropped);
            StorageTelemetry.WritesDropped.Add(1, new KeyValuePair<string, object?>("tier", Name));
            StorageLog.DiskWriteDropped(_logger, metadata.Key);
        }

        return false;
    }

    /// <summary>
    /// Reads the queue and commits what it holds in batches, until the store closes and the queue is empty. It
    /// runs on a thread of its own: on the thread pool, under load, each batch's continuation waited behind the
    /// requests' work items while the queue filled up, and a full queue drops disk writes.
    /// </summary>
    private void CommitQueued()
    {
        var batch = new List<PendingEntry>(MaxBatch);
        var reader = _queue.Reader;
        while (WaitToRead(reader))
        {
            Drain(reader, batch);
            if (batch.Count < MaxBatch && !reader.Completion.IsCompleted && Volatile.Read(ref _disposed) == 0)
            {
                Thread.Sleep(CommitLinger);
                Drain(reader, batch);
            }

            if (_options.BeforeBatchCommit is { } pause)
            {
                pause().GetAwaiter().GetResult();
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
            Interlocked.Add(ref _queuedBodyBytes, -BodyBytes(batch));

            // Committed, cancelled or given up: either way no row will read the bodies again.
            foreach (var entry in batch)
            {
                entry.ReleaseBody();
            }

            batch.Clear();
            Interlocked.Exchange(ref _batchDone, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).SetResult();
        }

        Interlocked.Exchange(ref _batchDone, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).SetResult();
    }

    /// <summary>Bytes of queued bodies (tests).</summary>
    internal long QueuedBodyBytes => Interlocked.Read(ref _queuedBodyBytes);

    /// <summary>Whether a body of this metadata's declared length goes into its index row rather than a file of its own.</summary>
    internal bool KeepsInRow(EntryMetadata metadata)
        => metadata.BodyLength >= 0 && metadata.BodyLength <= _options.InlineBodyLimit && metadata.BodyLength <= _maxObjectSize && Volatile.Read(ref _disposed) == 0;

    /// <summary>
    /// Publishes a body collected elsewhere (the tiered store's, which its memory tier keeps too) into its index row: the
    /// queue and the memory entry then hold one copy, not two. The bytes must not change afterwards. With
    /// <paramref name="owner"/> (the memory tier's native block) the queued row takes a reference of its own on it and
    /// gives it back once the row is committed or given up, so the queue holds nothing on the GC heap: arrays that waited
    /// there were the tiered store's extra resident memory over the memory store's (docs/performance.md, "Session 12:
    /// tiered RSS").
    /// </summary>
    internal bool PublishInRow(EntryMetadata metadata, ReadOnlyMemory<byte> body, ITierBody? owner)
    {
        if (body.Length != metadata.BodyLength || !KeepsInRow(metadata) || body.Length > _options.SizeLimit)
        {
            return false;
        }

        if (owner is not null && !owner.TryAcquire())
        {
            return false;
        }

        var queued = false;
        try
        {
            queued = Publish(metadata, null, body, owner, body.Length, (long)XxHash3.HashToUInt64(body.Span));
            return queued;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            StorageLog.DiskWriteFailed(_logger, metadata.Key, ex);
            return false;
        }
        finally
        {
            if (!queued)
            {
                owner?.Release();
            }
        }
    }

    private static long BodyBytes(List<PendingEntry> batch)
    {
        long bytes = 0;
        foreach (var entry in batch)
        {
            bytes += entry.Body?.Length ?? 0;
        }

        return bytes;
    }

    private static bool WaitToRead(ChannelReader<PendingEntry> reader)
    {
        var wait = reader.WaitToReadAsync();
        return wait.IsCompletedSuccessfully ? wait.Result : wait.AsTask().GetAwaiter().GetResult();
    }

    private static void Drain(ChannelReader<PendingEntry> reader, List<PendingEntry> batch)
    {
        while (batch.Count < MaxBatch && reader.TryRead(out var next))
        {
            batch.Add(next);
        }
    }

    private void AddQueued(PendingEntry entry)
    {
        _queuedById[entry.Id] = entry;
        _queuedKeys.AddOrUpdate(entry.Metadata.Key, 1, static (_, count) => count + 1);
    }

    private void RemoveQueued(PendingEntry entry)
    {
        if (!_queuedById.TryRemove(entry.Id, out _))
        {
            return;
        }

        // Adds and removes of one key run under different locks (enqueue, publish): every step is a compare-and-swap, and
        // the last entry's removal takes the key out only while its count is still 1.
        var key = entry.Metadata.Key;
        while (_queuedKeys.TryGetValue(key, out var count))
        {
            if (count <= 1 ? _queuedKeys.TryRemove(new KeyValuePair<string, int>(key, count)) : _queuedKeys.TryUpdate(key, count - 1, count))
            {
                return;
            }
        }
    }

    private void CommitBatch(List<PendingEntry> batch)
    {
        var rows = new List<(DiskIndex.NewRow, IReadOnlyList<string>)>(batch.Count);
        var removed = new List<DiskIndex.Removed>();
        lock (_publishLock)
        {
            // Written first, sliced after: the buffer may move while it grows.
            _rowMetadata.ResetWrittenCount();
            Span<int> ends = batch.Count <= 256 ? stackalloc int[batch.Count] : new int[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                if (!batch[i].Cancelled)
                {
                    EntryMetadataSerializer.Serialize(batch[i].Metadata, _rowMetadata);
                }

                ends[i] = _rowMetadata.WrittenCount;
            }

            var written = _rowMetadata.WrittenMemory;
            for (var i = 0; i < batch.Count; i++)
            {
                var entry = batch[i];
                if (!entry.Cancelled)
                {
                    var metadata = entry.Metadata;
                    var start = i == 0 ? 0 : ends[i - 1];
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
                        written[start..ends[i]],
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
                RemoveQueued(entry);
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
                RemoveQueued(entry);
                _pending.TryRemove(new KeyValuePair<string, PendingEntry>(entry.Metadata.Key, entry));
                if (!entry.Cancelled)
                {
                    entry.Cancelled = true;
                    ScheduleDelete(entry.Path, entry.Size);
                }
            }
        }
    }

    /// <summary>Keys with an entry still queued (tests: none once the queue has drained).</summary>
    internal int QueuedKeyCount => _queuedKeys.Count;

    /// <summary>Whether an entry of the key waits in the queue though the table no longer names it (its newer write was dropped).</summary>
    private bool IsQueued(string key)
    {
        if (!_queuedKeys.ContainsKey(key))
        {
            return false;
        }

        foreach (var (_, entry) in _queuedById)
        {
            if (!entry.Cancelled && entry.Metadata.Key == key)
            {
                return true;
            }
        }

        return false;
    }
}
