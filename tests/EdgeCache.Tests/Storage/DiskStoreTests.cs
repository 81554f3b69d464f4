using EdgeCache.Storage;
using Microsoft.Data.Sqlite;

namespace EdgeCache.Tests.Storage;

/// <summary>What only the disk tier promises: persistence, recovery, reclaiming, eviction order, failure as "not cached".</summary>
public sealed class DiskStoreTests : DiskStoreTestBase
{
    private readonly CapturingLogger _logger = new();

    [Fact]
    public async Task Entries_survive_closing_and_reopening_the_store()
    {
        var store = Open();
        var body = StoreTestData.Body(1, 200_000);
        await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://example.com/a", tags: ["t"]), body);
        await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://example.com/b"), StoreTestData.Body(2, 10));
        await store.DisposeAsync();

        var reopened = Open();

        var entry = await reopened.GetAsync("https://example.com/a");
        Assert.NotNull(entry);
        Assert.Equal(body, await StoreTestData.ReadBodyAsync(entry));
        Assert.Equal(["t"], entry.Metadata.Tags);
        Assert.NotNull(entry.BodyFilePath);
        Assert.Equal(body, await File.ReadAllBytesAsync(entry.BodyFilePath));
        Assert.Equal(2, reopened.GetStatistics().Entries);
        Assert.Equal(200_010, reopened.GetStatistics().Bytes);
        Assert.Equal(1, await reopened.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "t")));
    }

    [Fact]
    public async Task Entries_written_after_a_reopen_do_not_reuse_body_files_of_the_previous_run()
    {
        var store = Open();
        await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://example.com/a"), StoreTestData.Body(1, 1000));
        await store.DisposeAsync();

        var reopened = Open();
        await StoreTestData.PutAsync(reopened, StoreTestData.Metadata("https://example.com/b"), StoreTestData.Body(2, 1000));

        var a = await reopened.GetAsync("https://example.com/a");
        var b = await reopened.GetAsync("https://example.com/b");
        Assert.NotNull(a);
        Assert.NotNull(b);
        Assert.NotEqual(a.BodyFilePath, b.BodyFilePath);
        Assert.Equal(StoreTestData.Body(1, 1000), await StoreTestData.ReadBodyAsync(a));
    }

    [Fact]
    public async Task Open_after_an_unclean_shutdown_removes_temp_files_orphan_bodies_and_rows_without_a_body()
    {
        var store = Open();
        await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://example.com/kept"), StoreTestData.Body(1, 1000));
        await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://example.com/lost"), StoreTestData.Body(2, 1000));
        var lostFile = (await store.GetAsync("https://example.com/lost"))!.BodyFilePath!;
        await store.DisposeAsync();

        // What a crash can leave: no clean-shutdown marker, a half-written temp file, a renamed body whose row never committed.
        File.Delete(Path.Combine(DataDirectory, "clean-shutdown"));
        await File.WriteAllBytesAsync(Path.Combine(DataDirectory, "tmp", "interrupted.tmp"), new byte[100]);
        var orphan = Path.Combine(DataDirectory, "bodies", "ff", 255L.ToString("x16", System.Globalization.CultureInfo.InvariantCulture));
        await File.WriteAllBytesAsync(orphan, new byte[100]);
        File.Delete(lostFile);

        var reopened = Open();
        await reopened.Recovery;

        Assert.Empty(DiskAssert.TempFiles(reopened));
        Assert.False(File.Exists(orphan));
        Assert.Equal(1, reopened.GetStatistics().Entries);
        Assert.Equal(1000, reopened.GetStatistics().Bytes);
        Assert.NotNull(await reopened.GetAsync("https://example.com/kept"));
        Assert.Null(await reopened.GetAsync("https://example.com/lost"));
        await DiskAssert.NoLeftoverFilesAsync(reopened);
    }

    [Fact]
    public async Task Expired_entries_and_their_files_are_reclaimed_by_the_backgroundTimer()
    {
        var store = Open();
        await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://example.com/short", ttl: TimeSpan.FromSeconds(10)), StoreTestData.Body(1, 1000));
        await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://example.com/long", ttl: TimeSpan.FromHours(2)), StoreTestData.Body(2, 1000));
        await store.FlushAsync();

        Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(1, store.GetStatistics().Entries);

        Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Single(DiskAssert.BodyFiles(store));
        Assert.NotNull(await store.GetAsync("https://example.com/long"));
    }

    [Fact]
    public async Task Least_recently_accessed_entry_is_evicted_first()
    {
        var store = Open(sizeLimit: 350_000, maxObjectSize: 150_000);
        foreach (var name in new[] { "a", "b", "c" })
        {
            await StoreTestData.PutAsync(store, StoreTestData.Metadata($"https://example.com/{name}", ttl: TimeSpan.FromDays(1)), StoreTestData.Body(name[0], 100_000));
            await store.FlushAsync();
            Time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.NotNull(await store.GetAsync("https://example.com/a"));
        Time.Advance(TimeSpan.FromSeconds(1));

        await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://example.com/d", ttl: TimeSpan.FromDays(1)), StoreTestData.Body('d', 100_000));
        await store.FlushAsync();

        Assert.NotNull(await store.GetAsync("https://example.com/a"));
        Assert.Null(await store.GetAsync("https://example.com/b"));
        Assert.NotNull(await store.GetAsync("https://example.com/c"));
        Assert.NotNull(await store.GetAsync("https://example.com/d"));
        Assert.Equal(1, store.GetStatistics().Evictions);
    }

    [Fact]
    public async Task Write_that_cannot_create_its_file_is_not_cached_and_logs_a_warning()
    {
        var store = Open();
        Directory.Delete(Path.Combine(DataDirectory, "tmp"), recursive: true);

        var stored = await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://example.com/a"), StoreTestData.Body(1, 1000));

        Assert.False(stored);
        Assert.Null(await store.GetAsync("https://example.com/a"));
        Assert.True(_logger.HasWarning("https://example.com/a not cached"));
    }

    [Fact]
    public async Task Commit_that_cannot_place_its_file_is_not_cached_and_logs_a_warning()
    {
        var store = Open();
        var writer = await store.BeginWriteAsync(StoreTestData.Metadata("https://example.com/a"));
        Assert.NotNull(writer);
        await writer.WriteAsync(StoreTestData.Body(1, 1000));
        Directory.Delete(Path.Combine(DataDirectory, "bodies"), recursive: true);

        Assert.False(await writer.CommitAsync());
        await writer.DisposeAsync();

        Assert.Null(await store.GetAsync("https://example.com/a"));
        Assert.Equal(0, store.GetStatistics().Entries);
        Assert.Empty(DiskAssert.TempFiles(store));
        Assert.True(_logger.HasWarning("https://example.com/a not cached"));
    }

    [Fact]
    public async Task Entry_whose_body_file_vanished_is_a_miss_and_is_dropped()
    {
        var store = Open();
        await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://example.com/a"), StoreTestData.Body(1, 1000));
        await store.FlushAsync();
        File.Delete(Assert.Single(DiskAssert.BodyFiles(store)));

        Assert.Null(await store.GetAsync("https://example.com/a"));
        Assert.Equal(0, store.GetStatistics().Entries);
        Assert.True(_logger.HasWarning("missing or damaged"));
    }

    [Fact]
    public async Task Lookup_compares_the_full_key_so_a_row_under_the_same_hash_with_another_key_is_a_miss()
    {
        var store = Open();
        await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://example.com/a"), StoreTestData.Body(1, 1000));
        await store.FlushAsync();
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(DataDirectory, "index.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE entries SET key = 'https://example.com/colliding'";
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        Assert.Null(await store.GetAsync("https://example.com/a"));
        Assert.Null(await store.GetAsync("https://example.com/colliding"));
    }

    [Fact]
    public async Task Small_body_is_kept_in_its_index_row_without_a_file_and_survives_a_reopen()
    {
        var store = Open(inlineBodyLimit: 16 * 1024);
        var small = StoreTestData.Body(1, 16 * 1024);
        var large = StoreTestData.Body(2, 16 * 1024 + 1);
        await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://example.com/small") with { BodyLength = small.Length }, small);
        await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://example.com/large") with { BodyLength = large.Length }, large);
        await store.DisposeAsync();

        var reopened = Open(inlineBodyLimit: 16 * 1024);
        var entry = await reopened.GetAsync("https://example.com/small");
        Assert.NotNull(entry);
        Assert.Null(entry.BodyFilePath);
        Assert.True(entry.TryGetMemory(out var memory));
        Assert.Equal(small, memory.ToArray());
        Assert.Equal(large, await StoreTestData.ReadBodyAsync((await reopened.GetAsync("https://example.com/large"))!));
        Assert.Single(DiskAssert.BodyFiles(reopened));
        Assert.Equal(2, reopened.GetStatistics().Entries);
        Assert.Equal(small.Length + large.Length, reopened.GetStatistics().Bytes);
    }

    [Fact]
    public async Task Disposed_store_misses_and_declines_without_throwing()
    {
        var store = Open();
        await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://example.com/a"), StoreTestData.Body(1, 1000));
        await store.DisposeAsync();

        Assert.Null(await store.GetAsync("https://example.com/a"));
        Assert.Null(await store.BeginWriteAsync(StoreTestData.Metadata("https://example.com/b")));
        Assert.False(await store.DeleteAsync("https://example.com/a"));
        Assert.Equal(0, await store.PurgeAsync(PurgeRequest.Everything));
    }

    [Fact]
    public void Open_on_a_path_that_is_a_file_fails_with_a_clear_error()
    {
        Directory.CreateDirectory(DataDirectory);
        var file = Path.Combine(DataDirectory, "not-a-directory");
        File.WriteAllText(file, "x");

        var error = Assert.ThrowsAny<IOException>(() => DiskStore.Open(new DiskStoreOptions { DataDirectory = file }));
        Assert.Contains("not-a-directory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bodies_past_their_deletion_grace_are_deleted_by_the_next_commit_and_bodies_in_grace_count_against_the_limit()
    {
        var store = Open(sizeLimit: 1_000_000, maxObjectSize: 1_000_000);
        Assert.True(await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://example.com/a"), StoreTestData.Body(1, 600_000)));
        await store.FlushAsync();

        // b evicts a, whose file stays for the grace (a reader may have just found it): c cannot have that room as well.
        Assert.True(await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://example.com/b"), StoreTestData.Body(2, 600_000)));
        await store.FlushAsync();
        Assert.True(await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://example.com/c"), StoreTestData.Body(3, 300_000)));
        await store.FlushAsync();
        Assert.Null(await store.GetAsync("https://example.com/b"));
        Assert.True(store.GetStatistics().Bytes + store.PendingDeleteBytes <= 1_000_000 + 600_000, "the index took room still held by bodies in grace");

        // Past the grace, the next commit removes the old files (not only the maintenance timer, every 30 s).
        Time.Advance(TimeSpan.FromSeconds(11));
        Assert.True(await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://example.com/d"), StoreTestData.Body(4, 100_000)));
        await store.FlushAsync();

        Assert.True(BytesOnDisk() <= 1_000_000, $"{BytesOnDisk()} bytes on disk for a 1,000,000-byte limit");
        Assert.Equal(0, store.PendingDeleteBytes);
        Assert.NotNull(await store.GetAsync("https://example.com/c"));
    }

    [Fact]
    public async Task Writes_in_flight_count_against_the_size_limit_of_a_commit()
    {
        var store = Open(sizeLimit: 1_000_000, maxObjectSize: 1_000_000);
        Assert.True(await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://example.com/old"), StoreTestData.Body(1, 500_000)));
        await store.FlushAsync();
        await using var inFlight = (await store.BeginWriteAsync(StoreTestData.Metadata("https://example.com/big") with { BodyLength = -1 }))!;
        Assert.True(await inFlight.WriteAsync(StoreTestData.Body(2, 300_000)));

        Assert.True(await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://example.com/new"), StoreTestData.Body(3, 300_000)));

        await store.FlushAsync();

        // The index leaves room for the body still being written.
        Assert.True(store.GetStatistics().Bytes + store.InFlightBytes <= 1_000_000, $"index {store.GetStatistics().Bytes} + in flight {store.InFlightBytes}");
        Assert.NotNull(await store.GetAsync("https://example.com/new"));
        await inFlight.DisposeAsync();
        Assert.Equal(0, store.InFlightBytes);
    }

    /// <summary>Body files and temporary files: what the tier occupies beyond its small index.</summary>
    private long BytesOnDisk() => Directory.EnumerateFiles(DataDirectory, "*", SearchOption.AllDirectories)
        .Where(f => !Path.GetFileName(f).StartsWith("index", StringComparison.Ordinal))
        .Sum(f => new FileInfo(f).Length);

    /// <summary>Opens the store; bodies go to files unless <paramref name="inlineBodyLimit"/> lets small ones into their row.</summary>
    private DiskStore Open(long sizeLimit = 64L * 1024 * 1024, long? maxObjectSize = null, int inlineBodyLimit = 0)
    {
        var store = DiskStore.Open(new DiskStoreOptions { DataDirectory = DataDirectory, SizeLimit = sizeLimit, MaxObjectSize = maxObjectSize, InlineBodyLimit = inlineBodyLimit }, Time, _logger);
        Track(store);
        return store;
    }
}
