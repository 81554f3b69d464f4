using EdgeCache.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Tests.Storage;

/// <summary>A new disk index is made with 8 KB pages; an index an earlier version made with 4 KB pages keeps them and its rows.</summary>
public sealed class DiskIndexPageSizeTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "edgecache-tests", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(StoreTestData.Epoch);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_new_index_has_8_KB_pages()
    {
        await using (var store = Open())
        {
            Assert.True(await StoreTestData.PutAsync(store, Small("https://example.com/a", 100), StoreTestData.Body(1, 100)));
            await store.FlushAsync();
        }

        Assert.Equal(8192L, PageSize());
    }

    [Fact]
    public async Task An_index_made_with_4_KB_pages_keeps_them_and_its_rows_and_takes_new_ones()
    {
        Directory.CreateDirectory(_directory);
        using (var connection = new SqliteConnection($"Data Source={IndexPath};Pooling=False"))
        {
            // What an earlier version made: SQLite's default page size, in WAL mode.
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA page_size=4096; PRAGMA journal_mode=WAL; CREATE TABLE early(x);";
            command.ExecuteNonQuery();
        }

        await using (var store = Open())
        {
            Assert.True(await StoreTestData.PutAsync(store, Small("https://example.com/old", 3000), StoreTestData.Body(2, 3000)));
            await store.FlushAsync();
        }

        await using var reopened = Open();
        Assert.True(await StoreTestData.PutAsync(reopened, Small("https://example.com/new", 9000), StoreTestData.Body(3, 9000)));
        await reopened.FlushAsync();

        Assert.Equal(4096L, PageSize());
        Assert.Equal(StoreTestData.Body(2, 3000), await StoreTestData.ReadBodyAsync((await reopened.GetAsync("https://example.com/old"))!));
        Assert.Equal(StoreTestData.Body(3, 9000), await StoreTestData.ReadBodyAsync((await reopened.GetAsync("https://example.com/new"))!));
    }

    private string IndexPath => Path.Combine(_directory, "index.db");

    private static EntryMetadata Small(string url, int length) => StoreTestData.Metadata(url) with { BodyLength = length };

    private long PageSize()
    {
        using var connection = new SqliteConnection($"Data Source={IndexPath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA page_size";
        return (long)command.ExecuteScalar()!;
    }

    private DiskStore Open() => DiskStore.Open(new DiskStoreOptions { DataDirectory = _directory, InlineBodyLimit = 16 * 1024 }, _time);
}
