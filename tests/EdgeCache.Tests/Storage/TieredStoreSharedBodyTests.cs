using EdgeCache.Storage;

namespace EdgeCache.Tests.Storage;

/// <summary>
/// A small body of declared length is collected once and kept by both tiers: the memory entry and the disk row's
/// queued body are one native block, which the queued row holds until its row is written (charged to the memory tier
/// meanwhile, even once memory dropped the entry), and the disk row holds exactly the body once memory no longer does.
/// </summary>
// One collection for the tests that drop disk writes: a listener of the process-wide writes_dropped meter counts them all.
[Collection("Dropped disk writes")]
public sealed class TieredStoreSharedBodyTests : DiskStoreTestBase
{
    private const int BodySize = 10_240;

    [Fact]
    public async Task The_queued_disk_row_and_the_memory_entry_share_one_native_block_off_the_GC_heap()
    {
        // The body is collected once, into the memory tier's block; the queued row holds a reference on that block
        // instead of an array, so nothing of the body waits on the GC heap for its row to be written.
        var (tiered, memory, disk) = Create(held: true);
        Assert.True(await PutAsync(tiered, "https://example.com/first", 1));
        await BatchHeld.Task;
        var before = memory.NativeBodyBytes;
        Assert.True(await PutAsync(tiered, "https://example.com/shared", 2));

        var inMemory = Assert.IsType<MemoryCacheEntry>(await memory.GetAsync("https://example.com/shared"));
        Assert.Null(inMemory.Body);
        Assert.NotNull(inMemory.NativeBody);
        Assert.Equal(NativeBodyArena.BlockSize(BodySize), memory.NativeBodyBytes - before);
        Assert.Equal(StoreTestData.Body(2, BodySize), await StoreTestData.ReadBodyAsync(inMemory));

        // Served from the queue, as a copy of its own.
        var queued = Assert.IsType<MemoryCacheEntry>(await disk.GetAsync("https://example.com/shared"));
        Assert.Equal(StoreTestData.Body(2, BodySize), queued.Body);
    }

    [Theory]
    [InlineData("deleted from memory")]
    [InlineData("evicted")]
    public async Task A_block_the_queued_row_still_holds_stays_charged_and_whole_until_the_row_is_written_then_is_freed(string how)
    {
        var (tiered, memory, disk) = Create(held: true, memorySize: 64 * 1024);
        memory.Arena.PoisonOnFree = 0xDB;
        Assert.True(await PutAsync(tiered, "https://example.com/first", 1));
        await BatchHeld.Task;
        var body = StoreTestData.Body(2, BodySize);
        Assert.True(await StoreTestData.PutAsync(tiered, Metadata("https://example.com/held"), body, chunkSize: 1000));
        if (how == "evicted")
        {
            // Memory holds 64 KB: more bodies (whose rows queue behind the held batch) push it out, and their blocks
            // would take the freed block first if the queue did not hold it.
            for (var i = 0; i < 10; i++)
            {
                Assert.True(await PutAsync(tiered, $"https://example.com/other/{i}", 10 + i));
            }
        }
        else
        {
            Assert.True(await memory.DeleteAsync("https://example.com/held"));
            Assert.True(await PutAsync(tiered, "https://example.com/after", 3));
        }

        Assert.Null(await memory.GetAsync("https://example.com/held"));

        // No entry's, but still the memory tier's memory: it counts against its budget until the row lets go.
        Assert.True(memory.Arena.RemovedBytes >= NativeBodyArena.BlockSize(BodySize));
        var queued = Assert.IsType<MemoryCacheEntry>(await disk.GetAsync("https://example.com/held"));
        Assert.Equal(body, queued.Body);

        Release.SetResult();
        await disk.FlushAsync();
        Assert.Equal(body, RowBody("https://example.com/held"));
        Assert.Equal(0, memory.Arena.RemovedBytes);
        Assert.Equal(body, await StoreTestData.ReadBodyAsync((await tiered.GetAsync("https://example.com/held"))!));
    }

    [Theory]
    [InlineData("evicted")]
    [InlineData("deleted from memory")]
    [InlineData("purged from memory")]
    public async Task The_disk_row_holds_exactly_the_body_after_memory_no_longer_has_it(string how)
    {
        var (tiered, memory, disk) = Create(held: false, memorySize: 64 * 1024);
        var body = StoreTestData.Body(3, BodySize);

        // Written in small chunks: the shared array is filled piece by piece, as from a socket.
        Assert.True(await StoreTestData.PutAsync(tiered, Metadata("https://example.com/row"), body, chunkSize: 1000));
        switch (how)
        {
            case "evicted":
                // Memory holds 64 KB: ten more bodies push the first one out.
                for (var i = 0; i < 10; i++)
                {
                    Assert.True(await PutAsync(tiered, $"https://example.com/other/{i}", 10 + i));
                }

                break;
            case "deleted from memory":
                Assert.True(await memory.DeleteAsync("https://example.com/row"));
                break;
            default:
                Assert.Equal(1, await memory.PurgeAsync(new PurgeRequest(PurgeKind.Url, "https://example.com/row")));
                break;
        }

        Assert.Null(await memory.GetAsync("https://example.com/row"));
        await disk.FlushAsync();
        Assert.Equal(body, RowBody("https://example.com/row"));

        // Served from the disk tier with the same bytes, and so is the copy its second hit there promotes.
        Assert.Equal(body, await StoreTestData.ReadBodyAsync((await tiered.GetAsync("https://example.com/row"))!));
        Assert.Equal(body, await StoreTestData.ReadBodyAsync((await tiered.GetAsync("https://example.com/row"))!));
        Assert.Equal(body, await StoreTestData.ReadBodyAsync((await memory.GetAsync("https://example.com/row"))!));
    }

    [Fact]
    public async Task A_write_dropped_below_leaves_memory_serving_it_and_no_older_copy_below()
    {
        // The queue holds one row and the disk is stuck: the second write's row cannot be queued.
        var (tiered, memory, disk) = Create(held: true, queueCapacity: 1);
        Assert.True(await PutAsync(tiered, "https://example.com/held", 7));
        await BatchHeld.Task;
        Assert.True(await PutAsync(tiered, "https://example.com/queued", 8));

        Assert.True(await PutAsync(tiered, "https://example.com/queued", 9));

        Assert.Equal(1, disk.WritesDropped);
        Assert.Equal(StoreTestData.Body(9, BodySize), await StoreTestData.ReadBodyAsync((await tiered.GetAsync("https://example.com/queued"))!));
        Assert.Null(await disk.GetAsync("https://example.com/queued"));
        Release.SetResult();
        await disk.FlushAsync();
        Assert.Null(await disk.GetAsync("https://example.com/queued"));
        Assert.NotNull(await memory.GetAsync("https://example.com/queued"));
    }

    private static EntryMetadata Metadata(string url) => StoreTestData.Metadata(url) with { BodyLength = BodySize };

    private static Task<bool> PutAsync(ICacheStore store, string url, int seed)
        => StoreTestData.PutAsync(store, Metadata(url), StoreTestData.Body(seed, BodySize));

    private (TieredStore Tiered, MemoryStore Memory, DiskStore Disk) Create(bool held, long memorySize = 8 * 1024 * 1024, int queueCapacity = 4096)
    {
        var options = new DiskStoreOptions { DataDirectory = DataDirectory, WriteQueueCapacity = queueCapacity };
        if (held)
        {
            Held(options);
        }

        var memory = new MemoryStore(new MemoryStoreOptions { SizeLimit = memorySize, MaxObjectSize = 32 * 1024 }, Time);
        var disk = DiskStore.Open(options, Time);
        var tiered = new TieredStore(memory, disk);
        Track(tiered);
        return (tiered, memory, disk);
    }

    /// <summary>The body in the key's index row, read from the index itself.</summary>
    private byte[] RowBody(string key) => RowBodyOrNull(key) ?? throw new InvalidOperationException($"No row for {key}.");

    /// <summary>The body in the key's index row, or null when the index has no row for the key (a body longer or shorter than
    /// declared: <see cref="TieredStoreDeclaredLengthTests"/>).</summary>
    private byte[]? RowBodyOrNull(string key)
    {
        using var connection = OpenIndex();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT body FROM entries WHERE key = $key";
        command.Parameters.AddWithValue("$key", key);
        return command.ExecuteScalar() as byte[];
    }
}
