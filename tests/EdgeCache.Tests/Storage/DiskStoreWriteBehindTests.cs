using System.Diagnostics.Metrics;
using EdgeCache.Storage;

namespace EdgeCache.Tests.Storage;

/// <summary>
/// The disk tier's write-behind: a written entry is served at once while its index row waits in a bounded
/// queue; deletes and purges win over queued rows; a full queue drops the disk write; bodies of an earlier
/// boot are checked against their checksum before they are served.
/// </summary>
// One collection for the tests that drop disk writes: a listener of the process-wide writes_dropped meter counts them all.
[Collection("Dropped disk writes")]
public sealed class DiskStoreWriteBehindTests : DiskStoreTestBase
{
    // Over the default inline limit (16 KB): these bodies live in files of their own.
    private const int BodySize = 20_000;

    [Fact]
    public async Task Written_entry_is_served_before_its_index_row_is_committed_and_is_in_the_index_after()
    {
        var store = Open(held: true);
        await PutAsync(store, "https://example.com/held", 1);
        await BatchHeld.Task;
        await PutAsync(store, "https://example.com/queued", 2);

        Assert.Equal(0, IndexRows());
        Assert.Equal(StoreTestData.Body(1, BodySize), await StoreTestData.ReadBodyAsync((await store.GetAsync("https://example.com/held"))!));
        Assert.Equal(StoreTestData.Body(2, BodySize), await StoreTestData.ReadBodyAsync((await store.GetAsync("https://example.com/queued"))!));

        Release.SetResult();
        await store.FlushAsync();
        Assert.Equal(2, IndexRows());
        Assert.Equal(2, store.GetStatistics().Entries);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Purge_wins_over_a_write_still_waiting_for_its_index_row(bool soft)
    {
        var store = Open(held: true);
        await PutAsync(store, "https://example.com/first", 1, tags: ["other"]);
        await BatchHeld.Task;
        await PutAsync(store, "https://example.com/purged", 2, tags: ["doomed"]);
        await PutAsync(store, "https://example.com/kept", 3, tags: ["other"]);

        Assert.Equal(1, await store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "doomed", soft)));
        Release.SetResult();
        await store.FlushAsync();

        var purged = await store.GetAsync("https://example.com/purged");
        if (soft)
        {
            Assert.NotNull(purged);
            Assert.True(purged.Metadata.Invalidated);
        }
        else
        {
            Assert.Null(purged);
        }

        Assert.False((await store.GetAsync("https://example.com/kept"))!.Metadata.Invalidated);
        Assert.Equal(soft ? 3 : 2, IndexRows());

        // The same after a reopen: what the index committed is what the purge left.
        await store.DisposeAsync();
        var reopened = Open(held: false);
        Assert.Equal(soft, (await reopened.GetAsync("https://example.com/purged"))?.Metadata.Invalidated ?? false);
        Assert.NotNull(await reopened.GetAsync("https://example.com/kept"));
    }

    [Fact]
    public async Task Purge_cancels_every_queued_version_of_a_key_not_only_the_newest()
    {
        var store = Open(held: true);
        await PutAsync(store, "https://example.com/first", 1);
        await BatchHeld.Task;
        await PutAsync(store, "https://example.com/k", 2, tags: ["doomed"]);
        await PutAsync(store, "https://example.com/k", 3, tags: ["doomed"]);

        Assert.Equal(1, await store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "doomed")));
        Release.SetResult();
        await store.FlushAsync();

        Assert.Null(await store.GetAsync("https://example.com/k"));
        Assert.Equal(1, IndexRows());
    }

    [Fact]
    public async Task Delete_wins_over_a_write_still_waiting_for_its_index_row_and_its_file_is_reclaimed()
    {
        var store = Open(held: true);
        await PutAsync(store, "https://example.com/first", 1);
        await BatchHeld.Task;
        await PutAsync(store, "https://example.com/deleted", 2);
        var file = (await store.GetAsync("https://example.com/deleted"))!.BodyFilePath!;

        Assert.True(await store.DeleteAsync("https://example.com/deleted"));
        Assert.Null(await store.GetAsync("https://example.com/deleted"));
        Release.SetResult();
        await store.FlushAsync();

        Assert.Null(await store.GetAsync("https://example.com/deleted"));
        Assert.Equal(1, IndexRows());
        Time.Advance(TimeSpan.FromSeconds(31));
        Assert.False(File.Exists(file));
        await DiskAssert.NoLeftoverFilesAsync(store);
    }

    [Fact]
    public async Task Newer_write_of_a_key_replaces_a_queued_one_and_only_the_newer_reaches_the_index()
    {
        var store = Open(held: true);
        await PutAsync(store, "https://example.com/first", 1);
        await BatchHeld.Task;
        await PutAsync(store, "https://example.com/k", 2);
        await PutAsync(store, "https://example.com/k", 3);

        Assert.Equal(StoreTestData.Body(3, BodySize), await StoreTestData.ReadBodyAsync((await store.GetAsync("https://example.com/k"))!));
        Release.SetResult();
        await store.FlushAsync();

        Assert.Equal(2, IndexRows());
        Assert.Equal(StoreTestData.Body(3, BodySize), await StoreTestData.ReadBodyAsync((await store.GetAsync("https://example.com/k"))!));
        Time.Advance(TimeSpan.FromSeconds(31));
        await DiskAssert.NoLeftoverFilesAsync(store);
    }

    [Fact]
    public async Task A_delete_after_a_dropped_newer_write_still_cancels_the_older_queued_version_and_the_queued_keys_drain()
    {
        // The table names no entry of the key once its newer write was dropped; the older one still waits in the queue and
        // would reach the index (and come back) unless the delete finds it by key.
        var disk = Open(held: true, queueCapacity: 1);
        await PutAsync(disk, "https://example.com/held", 1);
        await BatchHeld.Task;
        Assert.True(await PutAsync(disk, "https://example.com/k", 2));
        Assert.False(await PutAsync(disk, "https://example.com/k", 3));
        Assert.Equal(1, disk.WritesDropped);

        // The held batch's key and the older version of k.
        Assert.Equal(2, disk.QueuedKeyCount);

        // Nothing a read could see is removed (the older version was already hidden), so the answer is false; its row must
        // still never reach the index.
        await disk.DeleteAsync("https://example.com/k");
        Assert.False(await disk.DeleteAsync("https://example.com/never-written"));
        Release.SetResult();
        await disk.FlushAsync();

        Assert.Null(await disk.GetAsync("https://example.com/k"));
        Assert.Equal(1, IndexRows());
        Assert.Equal(0, disk.QueuedKeyCount);
    }

    [Fact]
    public async Task Queued_keys_drain_to_none_after_replaced_deleted_and_committed_writes()
    {
        var disk = Open(held: false);
        for (var i = 0; i < 300; i++)
        {
            Assert.True(await PutAsync(disk, $"https://example.com/{i % 100}", i));
            if (i % 7 == 0)
            {
                await disk.DeleteAsync($"https://example.com/{(i + 3) % 100}");
            }
        }

        await disk.FlushAsync();

        Assert.Equal(0, disk.QueuedKeyCount);
    }

    [Fact]
    public async Task Full_queue_drops_the_disk_write_without_waiting_counts_it_and_memory_above_still_serves_it()
    {
        long counted = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "EdgeCache" && instrument.Name == "edgecache.store.writes_dropped")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "tier", Value: "disk" })
                {
                    Interlocked.Add(ref counted, value);
                }
            }
        });
        listener.Start();
        var disk = Open(held: true, queueCapacity: 1);
        var tiered = new TieredStore(new MemoryStore(new MemoryStoreOptions(), Time), disk);
        Track(tiered);
        await PutAsync(tiered, "https://example.com/held", 1);
        await BatchHeld.Task;
        await PutAsync(tiered, "https://example.com/queued", 2);

        // The queue (capacity 1) is full while the disk is stuck: this write must neither wait nor be lost for memory.
        var put = PutAsync(tiered, "https://example.com/dropped", 3);
        Assert.True(await put.WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(1, disk.WritesDropped);
        Assert.Equal(1, Interlocked.Read(ref counted));
        Assert.Null(await disk.GetAsync("https://example.com/dropped"));
        Assert.Equal(StoreTestData.Body(3, BodySize), await StoreTestData.ReadBodyAsync((await tiered.GetAsync("https://example.com/dropped"))!));
        Assert.Empty(DiskAssert.TempFiles(disk));

        Release.SetResult();
        await disk.FlushAsync();
        Assert.Equal(2, IndexRows());
        await DiskAssert.NoLeftoverFilesAsync(disk);
    }

    [Fact]
    public async Task After_a_reboot_a_damaged_or_short_body_is_a_miss_and_is_dropped_and_a_whole_one_is_served()
    {
        var store = Open(held: false);
        await PutAsync(store, "https://example.com/whole", 1);
        await PutAsync(store, "https://example.com/flipped", 2);
        await PutAsync(store, "https://example.com/short", 3);
        await PutAsync(store, "https://example.com/zeroed", 4);
        var flipped = (await store.GetAsync("https://example.com/flipped"))!.BodyFilePath!;
        var shortened = (await store.GetAsync("https://example.com/short"))!.BodyFilePath!;
        var zeroed = (await store.GetAsync("https://example.com/zeroed"))!.BodyFilePath!;
        await store.DisposeAsync();

        // What a power loss can leave when bodies were never flushed: the rows committed, the data not (all of it or some blocks).
        var bytes = await File.ReadAllBytesAsync(flipped);
        bytes[2500] ^= 0x40;
        await File.WriteAllBytesAsync(flipped, bytes);
        await File.WriteAllBytesAsync(shortened, StoreTestData.Body(3, 4096));
        await File.WriteAllBytesAsync(zeroed, new byte[BodySize]);
        await File.WriteAllTextAsync(Path.Combine(DataDirectory, "boot-id"), "an-earlier-boot");

        var reopened = Open(held: false);
        Assert.Null(await reopened.GetAsync("https://example.com/flipped"));
        Assert.Null(await reopened.GetAsync("https://example.com/short"));
        Assert.Null(await reopened.GetAsync("https://example.com/zeroed"));
        Assert.Equal(StoreTestData.Body(1, BodySize), await StoreTestData.ReadBodyAsync((await reopened.GetAsync("https://example.com/whole"))!));
        await reopened.Recovery;
        Assert.Equal(1, reopened.GetStatistics().Entries);
        Assert.Equal(1, IndexRows());
    }

    [Fact]
    public async Task After_a_reboot_the_background_pass_drops_damaged_bodies_nobody_asked_for()
    {
        var store = Open(held: false);
        await PutAsync(store, "https://example.com/whole", 1);
        await PutAsync(store, "https://example.com/flipped", 2);
        var flipped = (await store.GetAsync("https://example.com/flipped"))!.BodyFilePath!;
        await store.DisposeAsync();
        var bytes = await File.ReadAllBytesAsync(flipped);
        bytes[0] ^= 1;
        await File.WriteAllBytesAsync(flipped, bytes);
        await File.WriteAllTextAsync(Path.Combine(DataDirectory, "boot-id"), "an-earlier-boot");

        var reopened = Open(held: false);
        await reopened.Recovery;

        Assert.Equal(1, IndexRows());
        Assert.Null(await reopened.GetAsync("https://example.com/flipped"));
        Assert.NotNull(await reopened.GetAsync("https://example.com/whole"));
    }

    [Fact]
    public void Write_queue_capacity_below_one_is_rejected_naming_the_setting()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new DiskStoreOptions { WriteQueueCapacity = 0 }.Validate());
        Assert.Equal("WriteQueueCapacity", error.ParamName);
    }

    private static async Task<bool> PutAsync(ICacheStore store, string url, int seed, string[]? tags = null)
        => await StoreTestData.PutAsync(store, StoreTestData.Metadata(url, tags: tags), StoreTestData.Body(seed, BodySize));

    /// <summary>Opens the store; when <paramref name="held"/>, the first batch of index rows waits (a stuck disk) until the test releases it.</summary>
    private DiskStore Open(bool held, int queueCapacity = 4096)
    {
        var options = new DiskStoreOptions { DataDirectory = DataDirectory, WriteQueueCapacity = queueCapacity };
        if (held)
        {
            Held(options);
        }

        return Track(DiskStore.Open(options, Time));
    }

    private long IndexRows()
    {
        using var connection = OpenIndex();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM entries";
        return (long)command.ExecuteScalar()!;
    }
}
