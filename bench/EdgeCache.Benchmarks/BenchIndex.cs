using System.IO.Hashing;
using System.Text;
using EdgeCache.Storage;
using Microsoft.Data.Sqlite;

namespace EdgeCache.Benchmarks;

/// <summary>Fills a disk tier's index in bulk with the store's own schema and serializer (benchmarks need a million rows fast).</summary>
internal static class BenchIndex
{
    /// <summary>
    /// Creates a disk tier in <paramref name="directory"/> with <paramref name="entries"/> index rows keyed
    /// <see cref="DiskReopenBenchmarks.Key"/>(1..n), each carrying the tag <paramref name="tagOf"/> gives (or none).
    /// No body files are written: opening and purging never read them.
    /// </summary>
    public static void Populate(string directory, long entries, Func<long, string?> tagOf)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        // Let the store create its schema and directories, then fill the index in one transaction.
        DiskStore.Open(new DiskStoreOptions { DataDirectory = directory }).DisposeAsync().AsTask().GetAwaiter().GetResult();
        using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "index.db")};Pooling=False");
        connection.Open();
        using (var transaction = connection.BeginTransaction())
        {
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO entries(id, hash, key, url, host, size, expires, accessed, invalidated, metadata)
                VALUES ($id, $hash, $key, $key, 'bench.example', 1000, $expires, $id, 0, $metadata)
                """;
            var id = insert.Parameters.Add("$id", SqliteType.Integer);
            var hash = insert.Parameters.Add("$hash", SqliteType.Blob);
            var key = insert.Parameters.Add("$key", SqliteType.Text);
            var metadata = insert.Parameters.Add("$metadata", SqliteType.Blob);
            insert.Parameters.AddWithValue("$expires", DateTimeOffset.MaxValue.ToUnixTimeMilliseconds());
            using var tag = connection.CreateCommand();
            tag.Transaction = transaction;
            tag.CommandText = "INSERT INTO tags(tag, id) VALUES ($tag, $id)";
            var tagName = tag.Parameters.Add("$tag", SqliteType.Text);
            var tagId = tag.Parameters.Add("$id", SqliteType.Integer);
            for (long i = 1; i <= entries; i++)
            {
                var k = DiskReopenBenchmarks.Key(i);
                var t = tagOf(i);
                id.Value = i;
                key.Value = k;
                hash.Value = XxHash128.Hash(Encoding.UTF8.GetBytes(k));
                metadata.Value = EntryMetadataSerializer.Serialize(BenchData.Metadata(k, 1000) with { Tags = t is null ? [] : [t] });
                insert.ExecuteNonQuery();
                if (t is not null)
                {
                    tagName.Value = t;
                    tagId.Value = i;
                    tag.ExecuteNonQuery();
                }
            }

            using var limit = connection.CreateCommand();
            limit.Transaction = transaction;
            limit.CommandText = "UPDATE totals SET value = $limit WHERE name = 'id_limit'";
            limit.Parameters.AddWithValue("$limit", entries + 1);
            limit.ExecuteNonQuery();
            transaction.Commit();
        }

        using var checkpoint = connection.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        checkpoint.ExecuteNonQuery();
    }
}
