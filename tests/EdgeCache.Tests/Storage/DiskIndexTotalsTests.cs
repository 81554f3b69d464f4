using EdgeCache.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Tests.Storage;

/// <summary>
/// The disk index's entry and byte totals: grown once per committed batch, shrunk by the delete trigger, kept across
/// a reopen, and not counted twice in an index an earlier version wrote (which counted inserts with a trigger).
/// </summary>
public sealed class DiskIndexTotalsTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "edgecache-tests", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(StoreTestData.Epoch);
    private readonly List<DiskStore> _stores = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task Totals_count_every_row_of_a_batch_once_take_off_replaced_and_deleted_rows_and_survive_a_reopen()
    {
        var store = Open();
        for (var i = 0; i < 50; i++)
        {
            Assert.True(await StoreTestData.PutAsync(store, Small($"https://example.com/{i}", 100 + i), StoreTestData.Body(i, 100 + i)));
        }

        // Replaced in a later batch, and deleted: both leave the totals through the delete trigger.
        await store.FlushAsync();
        Assert.True(await StoreTestData.PutAsync(store, Small("https://example.com/0", 1000), StoreTestData.Body(99, 1000)));
        await store.FlushAsync();
        Assert.True(await store.DeleteAsync("https://example.com/1"));

        var expectedBytes = Enumerable.Range(2, 48).Sum(i => 100L + i) + 1000;
        Assert.Equal(49, store.GetStatistics().Entries);
        Assert.Equal(expectedBytes, store.GetStatistics().Bytes);
        await store.DisposeAsync();

        var reopened = Open();
        Assert.Equal(49, reopened.GetStatistics().Entries);
        Assert.Equal(expectedBytes, reopened.GetStatistics().Bytes);
        Assert.Equal(49L, Count(reopened));
    }

    [Fact]
    public async Task An_index_that_still_has_the_insert_trigger_of_an_earlier_version_counts_new_rows_once()
    {
        var store = Open();
        Assert.True(await StoreTestData.PutAsync(store, Small("https://example.com/old", 10), StoreTestData.Body(1, 10)));
        await store.DisposeAsync();
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(_directory, "index.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TRIGGER entries_inserted AFTER INSERT ON entries BEGIN
                    UPDATE totals SET value = value + NEW.size WHERE name = 'bytes';
                    UPDATE totals SET value = value + 1 WHERE name = 'entries';
                END;
                """;
            command.ExecuteNonQuery();
        }

        var reopened = Open();
        Assert.True(await StoreTestData.PutAsync(reopened, Small("https://example.com/new", 20), StoreTestData.Body(2, 20)));
        await reopened.FlushAsync();

        Assert.Equal(2, reopened.GetStatistics().Entries);
        Assert.Equal(30, reopened.GetStatistics().Bytes);
    }

    private static EntryMetadata Small(string url, int length) => StoreTestData.Metadata(url) with { BodyLength = length };

    private long Count(DiskStore store)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(store.DataDirectory, "index.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM entries";
        return (long)command.ExecuteScalar()!;
    }

    private DiskStore Open()
    {
        var store = DiskStore.Open(new DiskStoreOptions { DataDirectory = _directory, InlineBodyLimit = 16 * 1024 }, _time);
        _stores.Add(store);
        return store;
    }
}
