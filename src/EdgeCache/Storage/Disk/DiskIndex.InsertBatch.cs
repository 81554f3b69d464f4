using Microsoft.Data.Sqlite;

namespace EdgeCache.Storage;

/// <content>Publishing a batch: replace the row of the same key, evict least recently used rows to fit, insert.</content>
internal sealed partial class DiskIndex
{
    /// <summary>
    /// Publishes a batch of rows in one transaction. For each row: removes the row under the same hash,
    /// evicts least recently accessed rows until the new size fits <paramref name="budget"/>, inserts the
    /// row and its tags. Removed rows are added to <paramref name="removed"/> (their files are the caller's
    /// to delete). Returns how many rows were evicted.
    /// </summary>
    public int InsertBatch(IReadOnlyList<(NewRow Row, IReadOnlyList<string> Tags)> rows, long budget, List<Removed> removed)
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var transaction = _writer.BeginTransaction();
            using var insert = _writer.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO entries(id, hash, key, url, host, size, expires, accessed, invalidated, metadata, checksum, body)
                VALUES ($id, $hash, $key, $url, $host, $size, $expires, $accessed, $invalidated, $metadata, $checksum, $body)
                """;
            var id = insert.Parameters.Add("$id", SqliteType.Integer);
            var hash = insert.Parameters.Add("$hash", SqliteType.Blob);
            var key = insert.Parameters.Add("$key", SqliteType.Text);
            var url = insert.Parameters.Add("$url", SqliteType.Text);
            var host = insert.Parameters.Add("$host", SqliteType.Text);
            var size = insert.Parameters.Add("$size", SqliteType.Integer);
            var expires = insert.Parameters.Add("$expires", SqliteType.Integer);
            var accessed = insert.Parameters.Add("$accessed", SqliteType.Integer);
            var invalidated = insert.Parameters.Add("$invalidated", SqliteType.Integer);
            var metadata = insert.Parameters.Add("$metadata", SqliteType.Blob);
            var checksum = insert.Parameters.Add("$checksum", SqliteType.Integer);
            var body = insert.Parameters.Add("$body", SqliteType.Blob);
            using var tag = _writer.CreateCommand();
            tag.Transaction = transaction;
            tag.CommandText = "INSERT OR IGNORE INTO tags(tag, id) VALUES ($tag, $id)";
            var tagValue = tag.Parameters.Add("$tag", SqliteType.Text);
            var tagId = tag.Parameters.Add("$id", SqliteType.Integer);

            // Prepared once per batch: replacing the row of the same hash is the common first step of every row.
            using var replace = _writer.CreateCommand();
            replace.Transaction = transaction;
            replace.CommandText = "DELETE FROM entries WHERE hash = $hash RETURNING id, size, key, body IS NULL";
            var replaceHash = replace.Parameters.Add("$hash", SqliteType.Blob);

            var evicted = 0;
            var bytes = Totals(transaction).Bytes;
            foreach (var (row, tags) in rows)
            {
                var before = removed.Count;
                replaceHash.Value = row.Hash;
                using (var reader = replace.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        removed.Add(new Removed(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt64(3) != 0));
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

                id.Value = row.Id;
                hash.Value = row.Hash;
                key.Value = row.Key;
                url.Value = row.Url;
                host.Value = row.Host;
                size.Value = row.Size;
                expires.Value = row.ExpiresMs;
                accessed.Value = row.AccessedMs;
                invalidated.Value = row.Invalidated ? 1 : 0;
                metadata.Value = row.Metadata;
                checksum.Value = row.Checksum;
                body.Value = (object?)row.Body ?? DBNull.Value;
                insert.ExecuteNonQuery();
                bytes += row.Size;
                for (var i = 0; i < tags.Count; i++)
                {
                    tagValue.Value = tags[i];
                    tagId.Value = row.Id;
                    tag.ExecuteNonQuery();
                }
            }

            var totals = Totals(transaction);
            transaction.Commit();
            Publish(totals);
            return evicted;
        }
    }
}
