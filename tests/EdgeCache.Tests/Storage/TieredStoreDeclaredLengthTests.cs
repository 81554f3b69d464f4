using EdgeCache.Storage;

namespace EdgeCache.Tests.Storage;

/// <summary>
/// The tiered store's ordinary writer (a body the tiers do not share in one array: a disk body file, a memory file, a
/// body memory declines) against a body that does not match its declared length: the origin replaced the object, so
/// neither the wrong body nor the older copy either tier holds may be served afterwards.
/// </summary>
// One collection with the other tests that drop disk writes: a listener of the process-wide writes_dropped meter counts them all.
[Collection("Dropped disk writes")]
public sealed class TieredStoreDeclaredLengthTests : DiskStoreTestBase
{
    // Above the disk tier's inline limit (16 KB): a body file below; in an array of its own in memory.
    private const int FileBodySize = 40 * 1024;

    // Above memory's largest object (1 MB / 8): memory declines it, only the disk tier writes.
    private const int DeclinedBySize = 200 * 1024;

    [Theory]
    [InlineData(FileBodySize, 1)]
    [InlineData(FileBodySize, -1)]
    [InlineData(DeclinedBySize, 1)]
    [InlineData(DeclinedBySize, -1)]
    public async Task A_body_of_other_than_the_declared_length_is_discarded_and_the_older_copy_purged_from_both_tiers(int size, int difference)
    {
        var (tiered, memory, disk) = Create();
        const string url = "https://example.com/mismatch";
        Assert.True(await StoreTestData.PutAsync(tiered, Metadata(url, size), StoreTestData.Body(5, size)));
        await disk.FlushAsync();
        Assert.NotNull(await disk.GetAsync(url));

        await using (var writer = (await tiered.BeginWriteAsync(Metadata(url, size)))!)
        {
            Assert.True(await writer.WriteAsync(StoreTestData.Body(6, size - Math.Max(0, -difference))));
            if (difference > 0)
            {
                Assert.False(await writer.WriteAsync(new byte[difference]));
            }

            Assert.False(await writer.CommitAsync());
        }

        await disk.FlushAsync();
        Assert.Null(await memory.GetAsync(url));
        Assert.Null(await disk.GetAsync(url));
        Assert.Null(await tiered.GetAsync(url));
    }

    [Theory]
    [InlineData(FileBodySize)]
    [InlineData(DeclinedBySize)]
    public async Task A_body_longer_than_declared_and_abandoned_without_commit_still_purges_the_older_copy(int size)
    {
        var (tiered, memory, disk) = Create();
        const string url = "https://example.com/abandoned";
        Assert.True(await StoreTestData.PutAsync(tiered, Metadata(url, size), StoreTestData.Body(7, size)));
        await disk.FlushAsync();
        await using (var writer = (await tiered.BeginWriteAsync(Metadata(url, size)))!)
        {
            Assert.False(await writer.WriteAsync(StoreTestData.Body(8, size + 1)));
        }

        await disk.FlushAsync();
        Assert.Null(await memory.GetAsync(url));
        Assert.Null(await disk.GetAsync(url));
        Assert.Null(await tiered.GetAsync(url));
    }

    [Fact]
    public async Task A_body_abandoned_short_of_its_declared_length_without_commit_leaves_the_older_copy()
    {
        // A fill cut off (client gone, origin reset) says nothing about the object: the older copy stays servable.
        var (tiered, _, disk) = Create();
        const string url = "https://example.com/cut-off";
        var older = StoreTestData.Body(9, FileBodySize);
        Assert.True(await StoreTestData.PutAsync(tiered, Metadata(url, FileBodySize), older));
        await disk.FlushAsync();
        await using (var writer = (await tiered.BeginWriteAsync(Metadata(url, FileBodySize)))!)
        {
            Assert.True(await writer.WriteAsync(StoreTestData.Body(10, FileBodySize / 2)));
        }

        Assert.Equal(older, await StoreTestData.ReadBodyAsync((await tiered.GetAsync(url))!));
    }

    private static EntryMetadata Metadata(string url, int size) => StoreTestData.Metadata(url) with { BodyLength = size };

    private (TieredStore Tiered, MemoryStore Memory, DiskStore Disk) Create()
    {
        var memory = new MemoryStore(new MemoryStoreOptions { SizeLimit = 1024 * 1024 }, Time);
        var disk = DiskStore.Open(new DiskStoreOptions { DataDirectory = DataDirectory }, Time);
        var tiered = new TieredStore(memory, disk);
        Track(tiered);
        return (tiered, memory, disk);
    }
}
