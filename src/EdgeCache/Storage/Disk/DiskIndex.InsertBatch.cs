using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace EdgeCache.Storage;

/// <content>Publishing a batch: replace the row of the same key, evict least recently used rows to fit, insert.</content>
internal sealed partial class DiskIndex
{
    // Prepared once and kept on the writer connection: preparing four statements per batch was a large part of a
    // small batch's cost (batches of a few rows are the common case under a steady stream of misses).
    private InsertStatements? _insertStatements;

    /// <summary>
    /// Publishes a batch of rows in one transaction. For each row: removes the row under the same hash,
    /// evicts least recently accessed rows until the new size fits <paramref name="budget"/>, inserts the
    /// row and its tags. Removed rows are added to <paramref name="removed"/> (their files are the caller's
    /// to delete). Returns how many rows were evicted.
    /// </summary>
    /// <remarks>
    /// The totals grow once per batch here rather than through a trigger per row (two updates per insert); the
    /// delete trigger still takes removed rows off them.
    /// </remarks>
    public int InsertBatch(IReadOnlyList<(NewRow Row, IReadOnlyList<string> Tags)> rows, long budget, List<Removed> removed)
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var statements = _insertStatements ??= new InsertStatements(_writer);
            _removedHashes.Clear();
            _removedKeys.Clear();
            using var transaction = _writer.BeginTransaction();
            statements.Enlist(transaction);
            var evicted = 0;
            var bytes = statements.ReadTotals().Bytes;
            long addedBytes = 0;
            foreach (var (row, tags) in rows)
            {
                // A hash the filter has never counted has no row to replace (its "no" is never wrong, and a row of this
                // batch counts before it is inserted): the delete's probe and statement are skipped for nearly every
                // new key, the common row of a miss stream.
                var before = removed.Count;
                if (_filter.MayContain(row.Hash))
                {
                    statements.Replace(row.Hash, removed);
                    if (removed.Count > before)
                    {
                        _removedHashes.Add(row.Hash);
                        _removedKeys.Add(removed[before].Key);
                    }
                }

                bytes -= SizeOf(removed, before);
                if (bytes + row.Size > budget)
                {
                    FlushTouchesLocked(transaction);
                    while (bytes + row.Size > budget)
                    {
                        before = removed.Count;
                        DeleteWhere(transaction, "id = (SELECT id FROM entries ORDER BY accessed LIMIT 1)", removed);
                        if (removed.Count == before)
                        {
                            break;
                        }

                        bytes -= SizeOf(removed, before);
                        evicted += removed.Count - before;
                    }
                }

                // Counted before the row can be found: a reader never gets a wrong "no" from the filter.
                _filter.Add(row.Hash);
                if (!statements.TryInsert(row, tags))
                {
                    // A row of this hash that the filter did not count (it never should; the statement is undone, the
                    // transaction goes on): replaced after all. Its removal is not taken off the filter, which never
                    // counted it.
                    before = removed.Count;
                    statements.Replace(row.Hash, removed);
                    for (var i = before; i < removed.Count; i++)
                    {
                        _removedKeys.Add(removed[i].Key);
                    }

                    bytes -= SizeOf(removed, before);
                    statements.Insert(row, tags);
                }

                bytes += row.Size;
                addedBytes += row.Size;
            }

            statements.AddToTotals(addedBytes, rows.Count);
            var totals = statements.ReadTotals();
            transaction.Commit();
            Publish(totals);
            ForgetRemovedHashes();
            return evicted;
        }
    }

    /// <summary>The statements of <see cref="InsertBatch"/>, prepared on the writer connection once.</summary>
    private sealed class InsertStatements : IDisposable
    {
        // SQLITE_CONSTRAINT_UNIQUE.
        private const int SqliteUniqueConstraint = 2067;

        // The insert of every row, bound through SQLitePCL on the writer connection's handle (it runs in the connection's
        // transaction like any statement): Microsoft.Data.Sqlite looks each of a command's parameters up by name and boxes
        // its value at every execution, twelve times a row on the committer.
        private readonly sqlite3 _db;
        private readonly sqlite3_stmt _insert;
        private readonly SqliteCommand _tag;
        private readonly SqliteCommand _replace;
        private readonly SqliteCommand _totals;
        private readonly SqliteCommand _addTotals;
        private readonly SqliteParameter _tagValue, _tagId, _replaceHash, _addBytes, _addEntries;

        public InsertStatements(SqliteConnection writer)
        {
            _db = writer.Handle!;
            Check(raw.sqlite3_prepare_v2(_db, """
                INSERT INTO entries(id, hash, key, url, host, size, expires, accessed, invalidated, metadata, checksum, body)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                """, out _insert));

            _tag = writer.CreateCommand();
            _tag.CommandText = "INSERT OR IGNORE INTO tags(tag, id) VALUES ($tag, $id)";
            _tagValue = _tag.Parameters.Add("$tag", SqliteType.Text);
            _tagId = _tag.Parameters.Add("$id", SqliteType.Integer);

            // Replacing the row of the same hash: run for a row whose hash the key filter may have.
            _replace = writer.CreateCommand();
            _replace.CommandText = "DELETE FROM entries WHERE hash = $hash RETURNING id, size, key, body IS NULL";
            _replaceHash = _replace.Parameters.Add("$hash", SqliteType.Blob);

            _totals = writer.CreateCommand();
            _totals.CommandText = "SELECT (SELECT value FROM totals WHERE name = 'bytes'), (SELECT value FROM totals WHERE name = 'entries')";

            _addTotals = writer.CreateCommand();
            _addTotals.CommandText = "UPDATE totals SET value = value + CASE name WHEN 'bytes' THEN $bytes ELSE $entries END WHERE name IN ('bytes', 'entries')";
            _addBytes = _addTotals.Parameters.Add("$bytes", SqliteType.Integer);
            _addEntries = _addTotals.Parameters.Add("$entries", SqliteType.Integer);
        }

        public void Enlist(SqliteTransaction transaction)
        {
            _tag.Transaction = transaction;
            _replace.Transaction = transaction;
            _totals.Transaction = transaction;
            _addTotals.Transaction = transaction;
        }

        public (long Bytes, long Entries) ReadTotals()
        {
            using var reader = _totals.ExecuteReader();
            reader.Read();
            return (reader.GetInt64(0), reader.GetInt64(1));
        }

        public void Replace(byte[] hash, List<Removed> removed)
        {
            _replaceHash.Value = hash;
            using var reader = _replace.ExecuteReader();
            while (reader.Read())
            {
                removed.Add(new Removed(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt64(3) != 0));
            }
        }

        /// <summary>Inserts the row and its tags; false (nothing inserted) when a row of its hash is still there.</summary>
        public bool TryInsert(NewRow row, IReadOnlyList<string> tags)
        {
            try
            {
                Insert(row, tags);
                return true;
            }
            catch (SqliteException ex) when (ex.SqliteExtendedErrorCode == SqliteUniqueConstraint)
            {
                // The only UNIQUE constraint of the table is the hash's (the id's is the primary key's, another code).
                return false;
            }
        }

        public void Insert(NewRow row, IReadOnlyList<string> tags)
        {
            var insert = _insert;
            Check(raw.sqlite3_bind_int64(insert, 1, row.Id));
            Check(raw.sqlite3_bind_blob(insert, 2, row.Hash));
            Check(raw.sqlite3_bind_text(insert, 3, row.Key));
            Check(raw.sqlite3_bind_text(insert, 4, row.Url));
            Check(raw.sqlite3_bind_text(insert, 5, row.Host));
            Check(raw.sqlite3_bind_int64(insert, 6, row.Size));
            Check(raw.sqlite3_bind_int64(insert, 7, row.ExpiresMs));
            Check(raw.sqlite3_bind_int64(insert, 8, row.AccessedMs));
            Check(raw.sqlite3_bind_int64(insert, 9, row.Invalidated ? 1 : 0));
            Check(raw.sqlite3_bind_blob(insert, 10, row.Metadata.Span));
            Check(raw.sqlite3_bind_int64(insert, 11, row.Checksum));

            // SQLite copies a bound blob, so the memory tier's native block is bound as it is. An empty body is an empty
            // blob, not NULL (NULL: the body is in a file).
            Check(row.Body is not { } body ? raw.sqlite3_bind_null(insert, 12)
                : body.IsEmpty ? raw.sqlite3_bind_zeroblob(insert, 12, 0)
                : raw.sqlite3_bind_blob(insert, 12, body.Span));
            var rc = raw.sqlite3_step(insert);
            try
            {
                if (rc != raw.SQLITE_DONE)
                {
                    SqliteException.ThrowExceptionForRC(rc, _db);
                }
            }
            finally
            {
                raw.sqlite3_reset(insert);
            }

            for (var i = 0; i < tags.Count; i++)
            {
                _tagValue.Value = tags[i];
                _tagId.Value = row.Id;
                _tag.ExecuteNonQuery();
            }
        }

        public void AddToTotals(long bytes, long entries)
        {
            if (entries == 0)
            {
                return;
            }

            _addBytes.Value = bytes;
            _addEntries.Value = entries;
            _addTotals.ExecuteNonQuery();
        }

        private void Check(int rc)
        {
            if (rc != raw.SQLITE_OK)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }
        }

        public void Dispose()
        {
            _insert.Dispose();
            _tag.Dispose();
            _replace.Dispose();
            _totals.Dispose();
            _addTotals.Dispose();
        }
    }
}
