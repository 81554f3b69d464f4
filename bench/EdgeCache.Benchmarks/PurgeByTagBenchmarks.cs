using System.IO.Hashing;
using System.Text;
using BenchmarkDotNet.Attributes;
using EdgeCache.Storage;
using Microsoft.Data.Sqlite;

namespace EdgeCache.Benchmarks;

/// <summary>
/// Purge by tag on the disk tier: 10,000 entries carry the tag, among 20,000. Each iteration starts
/// from a fresh copy of a populated index (filled in bulk with the store's own schema), opens the
/// store and purges the tag. Goal: under one second.
/// </summary>
[MemoryDiagnoser]
public class PurgeByTagBenchmarks
{
    private const string Tag = "product";
    private string _pristine = null!;
    private string _work = null!;
    private DiskStore _store = null!;

    /// <summary>Entries carrying the purged tag.</summary>
    [Params(10_000)]
    public int Tagged { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _pristine = Path.Combine(Path.GetTempPath(), "edgecache-bench", $"purge-{Tagged}");
        if (!File.Exists(Path.Combine(_pristine, "populated")))
        {
            Populate(_pristine, Tagged);
        }
    }

    [IterationSetup]
    public void OpenFreshCopy()
    {
        _work = BenchData.TempDirectory("purge-run");
        Directory.CreateDirectory(_work);
        foreach (var file in Directory.GetFiles(_pristine))
        {
            File.Copy(file, Path.Combine(_work, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.GetDirectories(_pristine))
        {
            Directory.CreateDirectory(Path.Combine(_work, Path.GetFileName(directory)));
        }

        _store = DiskStore.Open(new DiskStoreOptions { DataDirectory = _work, SizeLimit = 1L << 40 });
    }

    /// <summary>Purge the tag; returns how many entries went (must be <see cref="Tagged"/>).</summary>
    [Benchmark]
    public async Task<long> PurgeTag()
    {
        var purged = await _store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, Tag)).ConfigureAwait(false);
        return purged == Tagged ? purged : throw new InvalidOperationException($"purged {purged}, expected {Tagged}");
    }

    [IterationCleanup]
    public void Cleanup()
    {
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_work, recursive: true);
    }

    private static void Populate(string directory, int tagged)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

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
            using var tag = connection.CreateCommand();
            tag.Transaction = transaction;
            tag.CommandText = "INSERT INTO tags(tag, id) VALUES ($tag, $id)";
            var tagName = tag.Parameters.Add("$tag", SqliteType.Text);
            var tagId = tag.Parameters.Add("$id", SqliteType.Integer);
            for (long i = 1; i <= tagged * 2L; i++)
            {
                var k = DiskReopenBenchmarks.Key(i);
                id.Value = i;
                key.Value = k;
                hash.Value = XxHash128.Hash(Encoding.UTF8.GetBytes(k));
                metadata.Value = EntryMetadataSerializer.Serialize(BenchData.Metadata(k, 1000) with { Tags = [i <= tagged ? Tag : "other"] });
                insert.ExecuteNonQuery();
                tagName.Value = i <= tagged ? Tag : "other";
                tagId.Value = i;
                tag.ExecuteNonQuery();
            }

            using var limit = connection.CreateCommand();
            limit.Transaction = transaction;
            limit.CommandText = "UPDATE totals SET value = $limit WHERE name = 'id_limit'";
            limit.Parameters.AddWithValue("$limit", (tagged * 2L) + 1);
            limit.ExecuteNonQuery();
            transaction.Commit();
            using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            checkpoint.ExecuteNonQuery();
        }

        File.WriteAllText(Path.Combine(directory, "populated"), "ok");
    }
}
