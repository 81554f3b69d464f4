using System.IO.Hashing;
using System.Text;
using BenchmarkDotNet.Attributes;
using EdgeCache.Storage;
using Microsoft.Data.Sqlite;

namespace EdgeCache.Benchmarks;

/// <summary>
/// Reopening a disk tier that holds a million entries (after a clean shutdown), then serving one hit.
/// The index is filled in bulk with the store's own schema and serializer; only the looked-up entry has
/// a body file, since opening never touches the body files.
/// </summary>
[MemoryDiagnoser]
public class DiskReopenBenchmarks
{
    private string _directory = null!;

    /// <summary>Entries in the index.</summary>
    [Params(1_000_000)]
    public int Entries { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "edgecache-bench", $"reopen-{Entries}");
        if (!File.Exists(Path.Combine(_directory, "populated")))
        {
            Populate(_directory, Entries);
        }
    }

    /// <summary>Open the store, look up one entry (index and body file), close it.</summary>
    [Benchmark]
    public async Task<long> OpenAndHit()
    {
        var store = DiskStore.Open(new DiskStoreOptions { DataDirectory = _directory, SizeLimit = 1L << 40 });
        await using (store.ConfigureAwait(false))
        {
            var entry = await store.GetAsync(Key(1)).ConfigureAwait(false) ?? throw new InvalidOperationException("miss after reopen");
            return entry.Metadata.BodyLength + store.GetStatistics().Entries;
        }
    }

    internal static string Key(long id) => $"https://bench.example/objects/{id}?v=1";

    private static void Populate(string directory, int entries)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        // Let the store create its schema and directories, then fill the index in one transaction.
        DiskStore.Open(new DiskStoreOptions { DataDirectory = directory }).DisposeAsync().AsTask().GetAwaiter().GetResult();
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "index.db")};Pooling=False"))
        {
            connection.Open();
            using var transaction = connection.BeginTransaction();
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
            for (long i = 1; i <= entries; i++)
            {
                var k = Key(i);
                id.Value = i;
                key.Value = k;
                hash.Value = XxHash128.Hash(Encoding.UTF8.GetBytes(k));
                metadata.Value = EntryMetadataSerializer.Serialize(BenchData.Metadata(k, 1000));
                insert.ExecuteNonQuery();
            }

            using var limit = connection.CreateCommand();
            limit.Transaction = transaction;
            limit.CommandText = "UPDATE totals SET value = $limit WHERE name = 'id_limit'";
            limit.Parameters.AddWithValue("$limit", entries + 1);
            limit.ExecuteNonQuery();
            transaction.Commit();
            using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            checkpoint.ExecuteNonQuery();
        }

        File.WriteAllBytes(Path.Combine(directory, "bodies", "01", 1L.ToString("x16", System.Globalization.CultureInfo.InvariantCulture)), new byte[1000]);
        File.WriteAllText(Path.Combine(directory, "populated"), "");
    }
}
