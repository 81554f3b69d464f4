using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace EdgeCache.Storage;

/// <summary>
/// The disk tier's SQLite index (WAL mode): one row per entry with its key hash, full key, metadata,
/// size, expiry, host, URL and last access, and a side table of tags. Totals are kept by triggers in
/// the same transactions, so opening never scans the rows.
/// </summary>
/// <remarks>
/// One connection writes (serialized by a lock); readers take pooled connections, which WAL lets run
/// beside the writer. Last-access times are batched in memory and written in the background, so a
/// hit does not cost a write transaction.
/// </remarks>
internal sealed partial class DiskIndex : IDisposable
{
    // Large, so that persisting the next block (a write under the writer's lock) is rare on the commit path.
    private const int IdBlock = 65536;

    private readonly string _connectionString;
    private readonly Lock _writeLock = new();

    // Separate from the writer's lock: handing out an id must not wait for a batch transaction.
    private readonly Lock _idLock = new();
    private readonly SqliteConnection _writer;
    private readonly ConcurrentDictionary<long, long> _touches = new();
    private long _bytes;
    private long _entries;

    // Counted beside the dictionary: ConcurrentDictionary.Count takes every lock, too dear for a hit.
    private int _pendingTouches;
    private long _nextId;
    private long _idLimit;
    private bool _disposed;

    private DiskIndex(string connectionString, SqliteConnection writer, int filterBuckets, int lookupCacheSize)
    {
        _connectionString = connectionString;
        _writer = writer;
        _filter = new KeyHashFilter(filterBuckets);
        Lookups = new DiskLookupCache(lookupCacheSize);
    }

    /// <summary>Rows kept in memory after a hit; every write transaction drops the rows it removed once it commits.</summary>
    public DiskLookupCache Lookups { get; }

    public long Bytes => Volatile.Read(ref _bytes);

    public long Entries => Volatile.Read(ref _entries);

    /// <summary>Ids below this were handed out by an earlier process (recovery only looks at those).</summary>
    public long FirstIdOfThisProcess { get; private set; }

    public int PendingTouches => Volatile.Read(ref _pendingTouches);

    /// <summary>
    /// The page size of a new index. 8 KB against SQLite's 4 KB: a row's commit writes the random leaf of the hash
    /// index, and fewer, larger leaves are shared more within a batch (`disk-commit`: 8-13 % less CPU per put); lookups
    /// cost the same (`disk-hit`), and rows of 6-15 KB bodies fit a page with less slack. 16 KB was cheaper still to
    /// commit but left most of a page empty beside a 10 KB row (2.0x the bodies on disk against 1.3x).
    /// </summary>
    internal const int PageSize = 8192;

    public static DiskIndex Open(string path, int filterBuckets = 1 << 16, int lookupCacheSize = 0)
    {
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            Cache = SqliteCacheMode.Private,
        }.ToString();
        var writer = new SqliteConnection(connectionString);
        try
        {
            writer.Open();
            // Before WAL and the schema: it applies only to a database not yet written (an existing one keeps its own).
            Execute(writer, $"PRAGMA page_size={PageSize};");
            Execute(writer, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;");
            Execute(writer, Schema);
            AddColumn(writer, "checksum INTEGER");
            AddColumn(writer, "body BLOB");
            var index = new DiskIndex(connectionString, writer, filterBuckets, lookupCacheSize);
            index.ReadTotals();

            // Ids up to the stored limit may name files of a crashed process: start above them.
            index._nextId = index._idLimit;
            index.FirstIdOfThisProcess = index._idLimit;
            return index;
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    /// <summary>The id the next write will get: every entry whose write began before now has a smaller one.</summary>
    public long PeekNextId()
    {
        lock (_idLock)
        {
            return _nextId;
        }
    }

    /// <summary>Hands out a fresh id for a body file, persisting a new high-water mark every few thousand ids.</summary>
    public long NextId()
    {
        lock (_idLock)
        {
            if (_nextId >= _idLimit)
            {
                lock (_writeLock)
                {
                    ObjectDisposedException.ThrowIf(_disposed, this);
                    using var command = _writer.CreateCommand();
                    command.CommandText = "UPDATE totals SET value = $limit WHERE name = 'id_limit'";
                    command.Parameters.AddWithValue("$limit", _nextId + IdBlock);
                    command.ExecuteNonQuery();
                    _idLimit = _nextId + IdBlock;
                }
            }

            return _nextId++;
        }
    }

    public bool TryFind(byte[] hash, out Row row)
    {
        var session = RentReader();
        try
        {
            session.Hash.Value = hash;
            using var reader = session.Find.ExecuteReader();
            if (!reader.Read())
            {
                row = default;
                return false;
            }

            row = new Row(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4) != 0, (byte[])reader.GetValue(5), reader.IsDBNull(6) ? null : reader.GetInt64(6), reader.IsDBNull(7) ? null : (byte[])reader.GetValue(7));
            return true;
        }
        finally
        {
            ReturnReader(session);
        }
    }

    public void Touch(long id, long nowMs)
    {
        if (_touches.TryAdd(id, nowMs))
        {
            Interlocked.Increment(ref _pendingTouches);
        }
        else
        {
            _touches[id] = nowMs;
        }
    }

    /// <summary>Deletes the row of a key (the hash must match and the full key too).</summary>
    public void Delete(byte[] hash, string key, List<Removed> removed)
        => WriteTransaction(t => DeleteWhere(t, "hash = $hash AND key = $key", removed, ("$hash", hash), ("$key", key)));

    /// <summary>Deletes a row by id (a row whose body file is gone).</summary>
    public void DeleteById(long id, List<Removed> removed)
        => WriteTransaction(t => DeleteWhere(t, "id = $id", removed, ("$id", id)));

    /// <summary>Deletes rows expired at <paramref name="nowMs"/>, at most <paramref name="limit"/>.</summary>
    public void DeleteExpired(long nowMs, int limit, List<Removed> removed)
        => WriteTransaction(t => DeleteWhere(t, "id IN (SELECT id FROM entries WHERE expires <= $now LIMIT $limit)", removed, ("$now", nowMs), ("$limit", limit)));

    /// <summary>Removes (or for a soft purge marks) the rows a purge selects; returns how many.</summary>
    public long Purge(PurgeRequest purge, List<Removed> removed, long idBelow = long.MaxValue)
    {
        var (condition, value) = purge.Kind switch
        {
            PurgeKind.Everything => ("1 = 1", (object?)null),
            PurgeKind.Tag => ("id IN (SELECT id FROM tags WHERE tag = $value)", purge.Value),
            PurgeKind.Prefix => ("substr(url, 1, length($value)) = $value", purge.Value),
            PurgeKind.Host => ("host = $value", purge.Value.ToLowerInvariant()),
            PurgeKind.Url => ("url = $value", purge.Value),
            _ => ("1 = 0", null),
        };
        var parameters = value is null ? [] : new (string, object)[] { ("$value", value) };
        if (idBelow != long.MaxValue)
        {
            // A purge applied late (it failed when asked) selects only what was written before it was asked.
            condition = $"({condition}) AND id < {idBelow.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        }
        long count = 0;
        WriteTransaction(t =>
        {
            if (purge.Soft)
            {
                using var command = _writer.CreateCommand();
                command.Transaction = t;
                command.CommandText = $"UPDATE entries SET invalidated = 1 WHERE {condition}";
                foreach (var (name, v) in parameters)
                {
                    command.Parameters.AddWithValue(name, v);
                }

                count = command.ExecuteNonQuery();
            }
            else
            {
                var before = removed.Count;
                DeleteWhere(t, condition, removed, parameters);
                count = removed.Count - before;
            }
        });
        if (purge.Soft && count > 0)
        {
            // The rows it marked are not listed: none of the rows kept in memory may still say "valid".
            Lookups.Clear();
        }

        return count;
    }

    /// <summary>Writes the batched last-access times.</summary>
    public void FlushTouches()
    {
        if (_touches.IsEmpty)
        {
            return;
        }

        WriteTransaction(FlushTouchesLocked);
    }

    /// <summary>Ids of the rows with a body file and an id below <paramref name="belowId"/> (recovery).</summary>
    public List<long> IdsBelow(long belowId) => BodiesBelow(belowId).ConvertAll(static row => row.Id);

    /// <summary>Id, size and checksum of the rows with an id below <paramref name="belowId"/> (verification after a reboot).</summary>
    public List<(long Id, long Size, long? Checksum)> BodiesBelow(long belowId)
    {
        var session = RentReader();
        try
        {
            using var command = session.Connection.CreateCommand();
            command.CommandText = "SELECT id, size, checksum FROM entries WHERE id < $below AND body IS NULL";
            command.Parameters.AddWithValue("$below", belowId);
            using var reader = command.ExecuteReader();
            var rows = new List<(long, long, long?)>();
            while (reader.Read())
            {
                rows.Add((reader.GetInt64(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetInt64(2)));
            }

            return rows;
        }
        finally
        {
            ReturnReader(session);
        }
    }

    public void Dispose()
    {
        lock (_writeLock)
        {
            if (_disposed)
            {
                return;
            }

            try
            {
                if (!_touches.IsEmpty)
                {
                    using var transaction = _writer.BeginTransaction();
                    FlushTouchesLocked(transaction);
                    transaction.Commit();
                }

                Execute(_writer, "PRAGMA wal_checkpoint(TRUNCATE);");
            }
            finally
            {
                _disposed = true;
                _insertStatements?.Dispose();
                while (_readers.TryTake(out var session))
                {
                    session.Dispose();
                }

                _writer.Dispose();
                Lookups.Clear();
            }
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long SizeOf(List<Removed> removed, int from)
    {
        long total = 0;
        for (var i = from; i < removed.Count; i++)
        {
            total += removed[i].Size;
        }

        return total;
    }

    private void WriteTransaction(Action<SqliteTransaction> action)
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _removedHashes.Clear();
            _removedKeys.Clear();
            using var transaction = _writer.BeginTransaction();
            action(transaction);
            var totals = Totals(transaction);
            transaction.Commit();
            Publish(totals);
            ForgetRemovedHashes();
        }
    }

    private void DeleteWhere(SqliteTransaction transaction, string condition, List<Removed> removed, params (string Name, object Value)[] parameters)
    {
        using var command = _writer.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"DELETE FROM entries WHERE {condition} RETURNING id, size, key, body IS NULL, hash";
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            removed.Add(new Removed(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt64(3) != 0));
            _removedHashes.Add((byte[])reader.GetValue(4));
            _removedKeys.Add(reader.GetString(2));
        }
    }

    private void FlushTouchesLocked(SqliteTransaction transaction)
    {
        using var command = _writer.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "UPDATE entries SET accessed = $accessed WHERE id = $id";
        var id = command.Parameters.Add("$id", SqliteType.Integer);
        var accessed = command.Parameters.Add("$accessed", SqliteType.Integer);
        foreach (var pair in _touches)
        {
            if (_touches.TryRemove(pair.Key, out var latest))
            {
                Interlocked.Decrement(ref _pendingTouches);
                id.Value = pair.Key;
                accessed.Value = latest;
                command.ExecuteNonQuery();
            }
        }
    }

    private (long Bytes, long Entries) Totals(SqliteTransaction transaction)
    {
        using var command = _writer.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT (SELECT value FROM totals WHERE name = 'bytes'), (SELECT value FROM totals WHERE name = 'entries')";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private void Publish((long Bytes, long Entries) totals)
    {
        Volatile.Write(ref _bytes, totals.Bytes);
        Volatile.Write(ref _entries, totals.Entries);
    }

    private void ReadTotals()
    {
        using var command = _writer.CreateCommand();
        command.CommandText = "SELECT name, value FROM totals";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var value = reader.GetInt64(1);
            switch (reader.GetString(0))
            {
                case "bytes":
                    _bytes = value;
                    break;
                case "entries":
                    _entries = value;
                    break;
                case "id_limit":
                    _idLimit = value;
                    break;
            }
        }
    }
}
