using EdgeCache.Storage;

namespace EdgeCache.Tests.Storage;

/// <summary>
/// The disk tier keeps the rows of its hits in memory with their body files open (<see cref="DiskStoreOptions.LookupCacheSize"/>):
/// a repeated hit is the same entry, and no change of the index (a replacement, a delete, a purge, an expiry, an
/// eviction) is ever hidden by a kept row.
/// </summary>
public sealed class DiskStoreLookupCacheTests : DiskStoreTestBase
{
    private const string Key = "https://example.com/kept";

    [Theory]
    [InlineData(100_000)]
    [InlineData(1000)]
    public async Task A_repeated_hit_is_the_kept_entry_with_the_same_bytes(int length)
    {
        var store = Open();
        var body = StoreTestData.Body(1, length);
        await PutAsync(store, Key, body);

        var first = await store.GetAsync(Key);
        var second = await store.GetAsync(Key);

        Assert.NotNull(first);
        Assert.Same(first, second);
        Assert.Equal(1, store.LookupCacheCount);
        Assert.Equal(body, await ReadAsync(second!));
        Assert.Equal(2, store.GetStatistics().Hits);
    }

    [Theory]
    [InlineData(100_000)]
    [InlineData(1000)]
    public async Task A_replaced_entry_is_never_answered_by_the_row_kept_for_the_old_one(int length)
    {
        var store = Open();
        await PutAsync(store, Key, StoreTestData.Body(1, length));
        Assert.NotNull(await store.GetAsync(Key));

        var replacement = StoreTestData.Body(2, length + 1);
        await StoreTestData.PutAsync(store, StoreTestData.Metadata(Key) with { BodyLength = replacement.Length }, replacement);
        Assert.Equal(replacement, await ReadAsync((await store.GetAsync(Key))!));

        // Once the new row is committed, the pending entry is gone: the kept old row must be too.
        await store.FlushAsync();
        Assert.Equal(replacement, await ReadAsync((await store.GetAsync(Key))!));
        Assert.Equal(replacement, await ReadAsync((await store.GetAsync(Key))!));
    }

    [Fact]
    public async Task A_deleted_entry_is_a_miss_and_its_kept_file_is_closed()
    {
        var store = Open();
        await PutAsync(store, Key, StoreTestData.Body(1, 100_000));
        var kept = (ISharedBodyFile)(await store.GetAsync(Key))!;
        Assert.True(kept.TryAcquireBodyFile(out _, out _));
        kept.ReleaseBodyFile();

        Assert.True(await store.DeleteAsync(Key));

        Assert.Null(await store.GetAsync(Key));
        Assert.Equal(0, store.LookupCacheCount);
        Assert.False(kept.TryAcquireBodyFile(out _, out _));
    }

    [Fact]
    public async Task A_send_in_progress_keeps_the_file_open_after_the_entry_is_deleted()
    {
        var store = Open();
        var body = StoreTestData.Body(1, 100_000);
        await PutAsync(store, Key, body);
        var kept = (ISharedBodyFile)(await store.GetAsync(Key))!;
        Assert.True(kept.TryAcquireBodyFile(out var file, out var length));

        await store.DeleteAsync(Key);
        Time.Advance(TimeSpan.FromMinutes(1));
        store.Maintain();

        var read = new byte[length];
        Assert.Equal(body.Length, RandomAccess.Read(file, read, 0));
        Assert.Equal(body, read);
        kept.ReleaseBodyFile();
        Assert.True(file.IsClosed);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_purged_entry_is_not_answered_by_its_kept_row(bool soft)
    {
        var store = Open();
        await PutAsync(store, Key, StoreTestData.Body(1, 100_000), tags: ["t"]);
        Assert.NotNull(await store.GetAsync(Key));

        Assert.Equal(1, await store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "t", soft)));

        var after = await store.GetAsync(Key);
        if (soft)
        {
            Assert.True(after!.Metadata.Invalidated);
        }
        else
        {
            Assert.Null(after);
        }
    }

    [Fact]
    public async Task An_expired_kept_row_is_a_miss()
    {
        var store = Open();
        await PutAsync(store, Key, StoreTestData.Body(1, 100_000));
        Assert.NotNull(await store.GetAsync(Key));

        Time.Advance(TimeSpan.FromHours(1));

        Assert.Null(await store.GetAsync(Key));
        Assert.Equal(0, store.LookupCacheCount);
    }

    [Fact]
    public async Task A_kept_row_evicted_from_the_index_to_make_room_is_a_miss()
    {
        var store = Open(sizeLimit: 300_000, maxObjectSize: 150_000);
        await PutAsync(store, Key, StoreTestData.Body(1, 100_000));
        Assert.NotNull(await store.GetAsync(Key));

        // Least recently accessed first: the kept row's access time is older than these.
        for (var i = 0; i < 3; i++)
        {
            Time.Advance(TimeSpan.FromSeconds(1));
            await PutAsync(store, $"https://example.com/other/{i}", StoreTestData.Body(10 + i, 100_000));
        }

        Assert.Null(await store.GetAsync(Key));
    }

    [Fact]
    public async Task A_kept_body_whose_file_vanished_still_serves_whole_until_the_row_is_read_again()
    {
        var store = Open();
        var body = StoreTestData.Body(1, 100_000);
        await PutAsync(store, Key, body);
        Assert.NotNull(await store.GetAsync(Key));
        File.Delete(Assert.Single(DiskAssert.BodyFiles(store)));

        // The open file is the body its row names, whole: serving it is right.
        Assert.Equal(body, await ReadAsync((await store.GetAsync(Key))!));

        Time.Advance(TimeSpan.FromSeconds(31));
        Assert.Null(await store.GetAsync(Key));
        Assert.Equal(0, store.GetStatistics().Entries);
    }

    [Fact]
    public async Task A_purge_the_index_could_not_apply_hides_a_kept_row()
    {
        var diskFull = false;
        var store = Track(DiskStore.Open(
            new DiskStoreOptions { DataDirectory = DataDirectory, BeforeIndexPurge = () => { if (diskFull) { throw new IOException("disk is full"); } } },
            Time));
        await PutAsync(store, Key, StoreTestData.Body(1, 100_000), tags: ["t"]);
        Assert.NotNull(await store.GetAsync(Key));

        diskFull = true;
        await Assert.ThrowsAsync<PurgeIncompleteException>(async () => await store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "t")));

        Assert.Null(await store.GetAsync(Key));
    }

    [Fact]
    public async Task The_cache_holds_at_most_its_size_and_every_entry_still_answers()
    {
        var store = Open(lookupCacheSize: 16);
        for (var i = 0; i < 64; i++)
        {
            await StoreTestData.PutAsync(store, StoreTestData.Metadata($"https://example.com/{i}") with { BodyLength = 20_000 }, StoreTestData.Body(i, 20_000));
        }

        await store.FlushAsync();
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 64; i++)
            {
                Assert.Equal(StoreTestData.Body(i, 20_000), await ReadAsync((await store.GetAsync($"https://example.com/{i}"))!));
                Assert.InRange(store.LookupCacheCount, 1, 16);
            }
        }
    }

    [Fact]
    public async Task Turned_off_every_hit_reads_the_index_and_is_a_new_entry()
    {
        var store = Open(lookupCacheSize: 0);
        var body = StoreTestData.Body(1, 100_000);
        await PutAsync(store, Key, body);

        var first = await store.GetAsync(Key);
        var second = await store.GetAsync(Key);

        Assert.NotSame(first, second);
        Assert.Equal(0, store.LookupCacheCount);
        Assert.False(((ISharedBodyFile)second!).TryAcquireBodyFile(out _, out _));
        Assert.Equal(body, await StoreTestData.ReadBodyAsync(second));
    }

    [Fact]
    public async Task Readers_racing_replacements_end_on_the_last_body()
    {
        var store = Open();
        await PutAsync(store, Key, StoreTestData.Body(0, 30_000));
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await store.GetAsync(Key);
            }
        })).ToArray();

        for (var version = 1; version <= 40; version++)
        {
            var body = StoreTestData.Body(version, 30_000 + version);
            await StoreTestData.PutAsync(store, StoreTestData.Metadata(Key) with { BodyLength = body.Length }, body);
            await store.FlushAsync();
            Assert.Equal(body, await ReadAsync((await store.GetAsync(Key))!));
        }

        stop.Cancel();
        await Task.WhenAll(readers);
        Assert.Equal(StoreTestData.Body(40, 30_040), await ReadAsync((await store.GetAsync(Key))!));
    }

    [Fact]
    public async Task Out_of_descriptors_a_hit_is_still_a_whole_hit_and_is_kept_once_the_open_succeeds()
    {
        var failOpens = true;
        var store = Open(bodyOpenFault: () => failOpens ? new IOException("injected: open failed (EMFILE)") : null);
        var body = StoreTestData.Body(1, 100_000);
        await PutAsync(store, Key, body);

        var first = await store.GetAsync(Key);
        var second = await store.GetAsync(Key);

        // Not a missing body: the row stays, each hit reads the index and the send opens the file by name.
        Assert.NotNull(first);
        Assert.NotSame(first, second);
        Assert.Equal(0, store.LookupCacheCount);
        Assert.False(((ISharedBodyFile)second!).TryAcquireBodyFile(out _, out _));
        Assert.Equal(body, await StoreTestData.ReadBodyAsync(second));
        Assert.Equal(2, store.GetStatistics().Hits);

        failOpens = false;
        var kept = await store.GetAsync(Key);
        Assert.Same(kept, await store.GetAsync(Key));
        Assert.Equal(1, store.LookupCacheCount);
        Assert.Equal(body, await ReadAsync(kept!));
    }

    [Fact]
    public void The_size_is_validated_at_open()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new DiskStoreOptions { DataDirectory = DataDirectory, LookupCacheSize = -1 }.Validate());
        Assert.Equal(nameof(DiskStoreOptions.LookupCacheSize), error.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DiskStoreOptions { DataDirectory = DataDirectory, LookupCacheSize = DiskStoreOptions.MaxLookupCacheSize + 1 }.Validate());
    }

    /// <summary>The body as a send reads it: from the kept open file when there is one, otherwise the stream.</summary>
    private static async Task<byte[]> ReadAsync(CacheEntry entry)
    {
        if (entry is ISharedBodyFile shared && shared.TryAcquireBodyFile(out var file, out var length))
        {
            try
            {
                var bytes = new byte[length];
                Assert.Equal(length, RandomAccess.Read(file, bytes, 0));
                return bytes;
            }
            finally
            {
                shared.ReleaseBodyFile();
            }
        }

        return await StoreTestData.ReadBodyAsync(entry);
    }

    private static async Task PutAsync(DiskStore store, string key, byte[] body, string[]? tags = null)
    {
        Assert.True(await StoreTestData.PutAsync(store, StoreTestData.Metadata(key, tags: tags) with { BodyLength = body.Length }, body));
        await store.FlushAsync();
    }

    private DiskStore Open(long sizeLimit = 64L * 1024 * 1024, long? maxObjectSize = null, int lookupCacheSize = 4096, Func<Exception?>? bodyOpenFault = null)
        => Track(DiskStore.Open(
            new DiskStoreOptions { DataDirectory = DataDirectory, SizeLimit = sizeLimit, MaxObjectSize = maxObjectSize, LookupCacheSize = lookupCacheSize, BodyOpenFault = bodyOpenFault },
            Time));
}
