using EdgeCache.Storage;

namespace EdgeCache.Tests.Storage;

/// <summary>
/// The write-behind queue is bounded by the bytes of the bodies its rows hold as well as by rows: past
/// <see cref="DiskStoreOptions.WriteQueueBytes"/> a disk write is dropped and counted, and memory above still serves it.
/// </summary>
// One collection for the tests that drop disk writes: a listener of the process-wide writes_dropped meter counts them all.
[Collection("Dropped disk writes")]
public sealed class DiskStoreWriteQueueBytesTests : DiskStoreTestBase
{
    private const int MiB = 1024 * 1024;

    // Under the default inline limit (16 KB): kept in the row, so held by the queue.
    private const int RowBodySize = 10_240;

    [Fact]
    public async Task A_write_past_the_queue_byte_bound_is_dropped_and_counted_and_memory_still_serves_it()
    {
        var disk = Open();
        var tiered = new TieredStore(new MemoryStore(new MemoryStoreOptions { SizeLimit = 8 * MiB }, Time), disk);
        Track(tiered);
        // In a file: the held batch holds no body bytes.
        Assert.True(await StoreTestData.PutAsync(tiered, StoreTestData.Metadata("https://example.com/held"), StoreTestData.Body(0, 20_000)));
        await BatchHeld.Task;

        // 1 MB holds 102 bodies of 10 KB; the rows bound (4096) is far off.
        var fits = MiB / RowBodySize;
        for (var i = 1; i <= fits; i++)
        {
            Assert.True(await PutAsync(tiered, $"https://example.com/{i}", i));
        }

        Assert.Equal(0, disk.WritesDropped);
        Assert.Equal(fits * (long)RowBodySize, disk.QueuedBodyBytes);

        var put = PutAsync(tiered, "https://example.com/dropped", 1000);
        Assert.True(await put.WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(1, disk.WritesDropped);
        Assert.Equal(fits * (long)RowBodySize, disk.QueuedBodyBytes);
        Assert.Null(await disk.GetAsync("https://example.com/dropped"));
        Assert.Equal(StoreTestData.Body(1000, RowBodySize), await StoreTestData.ReadBodyAsync((await tiered.GetAsync("https://example.com/dropped"))!));

        Release.SetResult();
        await disk.FlushAsync();
        Assert.Equal(0, disk.QueuedBodyBytes);
        Assert.Equal(fits + 1, disk.GetStatistics().Entries);

        // Room again once the rows are in.
        Assert.True(await PutAsync(tiered, "https://example.com/after", 2000));
        await disk.FlushAsync();
        Assert.Equal(1, disk.WritesDropped);
        Assert.NotNull(await disk.GetAsync("https://example.com/after"));
    }

    [Fact]
    public async Task Bodies_in_files_of_their_own_do_not_count_against_the_queue_byte_bound()
    {
        var disk = Open();
        Assert.True(await StoreTestData.PutAsync(disk, StoreTestData.Metadata("https://example.com/held"), StoreTestData.Body(0, 20_000)));
        await BatchHeld.Task;

        // 60 bodies of 100 KB (6 MB, six times the bound) in files: the queue holds only their rows.
        for (var i = 1; i <= 60; i++)
        {
            Assert.True(await StoreTestData.PutAsync(disk, StoreTestData.Metadata($"https://example.com/{i}"), StoreTestData.Body(i, 100_000)));
        }

        Assert.Equal(0, disk.WritesDropped);
        Assert.Equal(0, disk.QueuedBodyBytes);
    }

    [Theory]
    [InlineData(MiB - 1)]
    [InlineData((1024L * MiB) + 1)]
    public void Write_queue_bytes_outside_1_MB_to_1_GB_are_rejected_naming_the_setting(long bytes)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new DiskStoreOptions { WriteQueueBytes = bytes }.Validate());
        Assert.Equal("WriteQueueBytes", error.ParamName);
    }

    /// <summary>A body of declared length (so kept in its row).</summary>
    private static Task<bool> PutAsync(ICacheStore store, string url, int seed)
        => StoreTestData.PutAsync(store, StoreTestData.Metadata(url) with { BodyLength = RowBodySize }, StoreTestData.Body(seed, RowBodySize));

    /// <summary>A store with a 1 MB queue bound whose first batch of index rows waits (a stuck disk) until the test releases it.</summary>
    private DiskStore Open() => Track(DiskStore.Open(Held(new DiskStoreOptions { DataDirectory = DataDirectory, WriteQueueBytes = MiB }), Time));
}
