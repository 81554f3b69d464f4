using EdgeCache.Storage;
using Microsoft.Data.Sqlite;

namespace EdgeCache.Tests.Storage;

/// <summary>
/// A batch's row replaces the row of the same key hash. The delete that does it runs only when the key filter says a
/// row of the hash may be there; these pin that a replace still happens in the cases the filter must answer "maybe"
/// (a row of an earlier batch, of the same batch, of an earlier process) and that a row the filter missed is replaced
/// all the same instead of failing its batch on the hash's UNIQUE constraint.
/// </summary>
public sealed class DiskIndexReplaceTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "edgecache-tests", Guid.NewGuid().ToString("N"));
    private readonly string _path;

    public DiskIndexReplaceTests()
    {
        Directory.CreateDirectory(_directory);
        _path = Path.Combine(_directory, "index.db");
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void A_row_of_an_earlier_batch_and_one_of_the_same_batch_are_replaced_with_the_filter_answering()
    {
        using var index = OpenFilled();
        var removed = new List<DiskIndex.Removed>();
        index.InsertBatch([Row(index, "a", 10)], long.MaxValue, removed);
        Assert.Empty(removed);

        index.InsertBatch([Row(index, "a", 20), Row(index, "b", 30), Row(index, "b", 40)], long.MaxValue, removed);

        Assert.Equal(["a", "b"], removed.Select(r => r.Key).Order());
        Assert.Equal(2, index.Entries);
        Assert.Equal(60, index.Bytes);
        Assert.Equal(2L, Scalar("SELECT count(*) FROM entries"));
        Assert.True(index.TryFind(Hash("a"), out var a));
        Assert.Equal(20, a.Size);
        Assert.True(index.TryFind(Hash("b"), out var b));
        Assert.Equal(40, b.Size);
    }

    [Fact]
    public void A_row_of_an_earlier_process_is_replaced_after_the_reopen()
    {
        using (var first = OpenFilled())
        {
            first.InsertBatch([Row(first, "a", 10)], long.MaxValue, []);
        }

        using var index = OpenFilled();
        var removed = new List<DiskIndex.Removed>();
        index.InsertBatch([Row(index, "a", 20)], long.MaxValue, removed);

        Assert.Equal("a", Assert.Single(removed).Key);
        Assert.Equal(1, index.Entries);
        Assert.Equal(20, index.Bytes);
        Assert.Equal(1L, Scalar("SELECT count(*) FROM entries"));
    }

    [Fact]
    public void A_row_the_filter_did_not_count_is_replaced_and_the_rest_of_the_batch_commits()
    {
        using var index = OpenFilled();

        // Written behind the index's back: the filter, filled before, answers "no" for its hash.
        Execute($"INSERT INTO entries(id, hash, key, url, host, size, expires, accessed, metadata) VALUES (999999, x'{Convert.ToHexString(Hash("a"))}', 'a', 'a', 'h', 10, 0, 0, x'')");
        Assert.False(index.MayContain(Hash("a")));

        var removed = new List<DiskIndex.Removed>();
        index.InsertBatch([Row(index, "b", 5), Row(index, "a", 20), Row(index, "c", 7)], long.MaxValue, removed);

        Assert.Equal(999999, Assert.Single(removed).Id);
        Assert.Equal(3L, Scalar("SELECT count(*) FROM entries"));
        Assert.True(index.TryFind(Hash("a"), out var a));
        Assert.Equal(20, a.Size);
        Assert.True(index.MayContain(Hash("a")));
        Assert.True(index.TryFind(Hash("c"), out _));
    }

    [Fact]
    public void A_row_keeps_an_empty_body_as_an_empty_blob_and_no_body_as_null()
    {
        using var index = OpenFilled();
        var (empty, _) = Row(index, "empty", 0);
        var (file, _) = Row(index, "file", 10);
        var (small, _) = Row(index, "small", 3);
        index.InsertBatch([(empty with { Body = ReadOnlyMemory<byte>.Empty }, []), (file with { Body = null }, []), (small with { Body = new byte[] { 1, 2, 3 } }, ["t"])], long.MaxValue, []);

        Assert.True(index.TryFind(Hash("empty"), out var emptyRow));
        Assert.NotNull(emptyRow.Body);
        Assert.Empty(emptyRow.Body);
        Assert.True(index.TryFind(Hash("file"), out var fileRow));
        Assert.Null(fileRow.Body);
        Assert.True(index.TryFind(Hash("small"), out var smallRow));
        Assert.Equal([1, 2, 3], smallRow.Body);
        Assert.Equal("small", smallRow.Key);
        Assert.Equal([1], smallRow.Metadata);
        Assert.Equal(1L, Scalar("SELECT count(*) FROM tags WHERE tag = 't'"));
    }

    private DiskIndex OpenFilled()
    {
        var index = DiskIndex.Open(_path);
        index.FillKeyFilter();
        return index;
    }

    private static (DiskIndex.NewRow, IReadOnlyList<string>) Row(DiskIndex index, string key, long size)
        => (new DiskIndex.NewRow(index.NextId(), Hash(key), key, key, "h", size, 0, 0, false, new byte[] { 1 }, 0, new byte[size]), []);

    private static byte[] Hash(string key) => System.IO.Hashing.XxHash128.Hash(System.Text.Encoding.UTF8.GetBytes(key));

    private long Scalar(string sql)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    private void Execute(string sql)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection($"Data Source={_path};Pooling=False");
        connection.Open();
        return connection;
    }
}
