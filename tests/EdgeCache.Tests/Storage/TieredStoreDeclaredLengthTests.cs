using EdgeCache.Storage;

namespace EdgeCache.Tests.Storage;

/// <summary>
/// Both of the tiered store's writers against a body that does not match its declared length: the origin replaced the
/// object, so neither the wrong body nor the older copy either tier holds may be served afterwards. Every case runs over
/// each shape of write: the shared array (a small body both tiers keep in one array), a disk body file with memory's own
/// array, and a body memory declines (only the disk tier writes).
/// </summary>
// One collection with the other tests that drop disk writes: a listener of the process-wide writes_dropped meter counts them all.
[Collection("Dropped disk writes")]
public sealed class TieredStoreDeclaredLengthTests : DiskStoreTestBase
{
    // Up to the disk tier's inline limit (16 KB), below memory's file threshold: one array for both tiers.
    private const int SharedArraySize = 10 * 1024;

    // Above the disk tier's inline limit: a body file below; in an array of its own in memory.
    private const int FileBodySize = 40 * 1024;

    // Above memory's largest object (1 MB / 8): memory declines it, only the disk tier writes.
    private const int DeclinedBySize = 200 * 1024;

    /// <summary>Each write shape, with the writer the tiered store must pick for it (so a change of routing fails here).</summary>
    public static TheoryData<int, string> Shapes => new()
    {
        { SharedArraySize, "SharedBodyWriter" },
        { FileBodySize, "Writer" },
        { DeclinedBySize, "Writer" },
    };

    /// <summary>Each shape, one byte longer and one byte shorter than declared.</summary>
    public static TheoryData<int, string, int> ShapesAndDifferences
    {
        get
        {
            var data = new TheoryData<int, string, int>();
            foreach (var row in Shapes)
            {
                data.Add((int)row[0], (string)row[1], 1);
                data.Add((int)row[0], (string)row[1], -1);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(ShapesAndDifferences))]
    public async Task A_body_of_other_than_the_declared_length_is_discarded_and_the_older_copy_purged_from_both_tiers(int size, string writerType, int difference)
    {
        var (tiered, memory, disk) = Create();
        const string url = "https://example.com/mismatch";
        Assert.True(await StoreTestData.PutAsync(tiered, Metadata(url, size), StoreTestData.Body(5, size)));
        await disk.FlushAsync();
        Assert.NotNull(await disk.GetAsync(url));

        await using (var writer = (await tiered.BeginWriteAsync(Metadata(url, size)))!)
        {
            Assert.Equal(writerType, writer.GetType().Name);
            Assert.True(await writer.WriteAsync(StoreTestData.Body(6, size - Math.Max(0, -difference))));
            if (difference > 0)
            {
                Assert.False(await writer.WriteAsync(new byte[difference]));
            }

            Assert.False(await writer.CommitAsync());
        }

        await AssertGoneAsync(tiered, memory, disk, url);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task A_body_longer_than_declared_and_abandoned_without_commit_still_purges_the_older_copy(int size, string writerType)
    {
        var (tiered, memory, disk) = Create();
        const string url = "https://example.com/abandoned";
        Assert.True(await StoreTestData.PutAsync(tiered, Metadata(url, size), StoreTestData.Body(7, size)));
        await disk.FlushAsync();
        await using (var writer = (await tiered.BeginWriteAsync(Metadata(url, size)))!)
        {
            Assert.Equal(writerType, writer.GetType().Name);
            Assert.False(await writer.WriteAsync(StoreTestData.Body(8, size + 1)));
        }

        await AssertGoneAsync(tiered, memory, disk, url);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task A_body_abandoned_short_of_its_declared_length_without_commit_leaves_the_older_copy(int size, string writerType)
    {
        // A fill cut off (client gone, origin reset) says nothing about the object: the older copy stays servable.
        var (tiered, _, disk) = Create();
        const string url = "https://example.com/cut-off";
        var older = StoreTestData.Body(9, size);
        Assert.True(await StoreTestData.PutAsync(tiered, Metadata(url, size), older));
        await disk.FlushAsync();
        await using (var writer = (await tiered.BeginWriteAsync(Metadata(url, size)))!)
        {
            Assert.Equal(writerType, writer.GetType().Name);
            Assert.True(await writer.WriteAsync(StoreTestData.Body(10, size / 2)));
        }

        await disk.FlushAsync();
        Assert.Equal(older, await StoreTestData.ReadBodyAsync((await tiered.GetAsync(url))!));
        Assert.Equal(1, RowCount(url));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task A_second_commit_after_a_mismatch_publishes_nothing_and_deletes_only_once(int size, string writerType)
    {
        // A caller that commits again (or writes again) after the writer refused must not publish the array or the file.
        var (tiered, _, disk) = Create();
        const string url = "https://example.com/twice";
        var writer = (await tiered.BeginWriteAsync(Metadata(url, size)))!;
        await using (writer)
        {
            Assert.Equal(writerType, writer.GetType().Name);
            Assert.False(await writer.WriteAsync(StoreTestData.Body(11, size + 1)));
            Assert.False(await writer.CommitAsync());

            // A newer, good write of the key lands between: the abandoned writer must not delete it on dispose.
            Assert.True(await StoreTestData.PutAsync(tiered, Metadata(url, size), StoreTestData.Body(12, size)));
            Assert.False(await writer.CommitAsync());
        }

        await disk.FlushAsync();
        Assert.Equal(StoreTestData.Body(12, size), await StoreTestData.ReadBodyAsync((await tiered.GetAsync(url))!));
        Assert.Equal(1, RowCount(url));
    }

    private async Task AssertGoneAsync(TieredStore tiered, MemoryStore memory, DiskStore disk, string url)
    {
        await disk.FlushAsync();
        Assert.Null(await memory.GetAsync(url));
        Assert.Null(await disk.GetAsync(url));
        Assert.Null(await tiered.GetAsync(url));
        Assert.Equal(0, RowCount(url));
    }

    private static EntryMetadata Metadata(string url, int size) => StoreTestData.Metadata(url) with { BodyLength = size };

    /// <summary>The key's rows in the index, read from the index itself (the pending table cannot answer for it).</summary>
    private long RowCount(string key)
    {
        using var connection = OpenIndex();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM entries WHERE key = $key";
        command.Parameters.AddWithValue("$key", key);
        return (long)command.ExecuteScalar()!;
    }

    private (TieredStore Tiered, MemoryStore Memory, DiskStore Disk) Create()
    {
        var memory = new MemoryStore(new MemoryStoreOptions { SizeLimit = 1024 * 1024 }, Time);
        var disk = DiskStore.Open(new DiskStoreOptions { DataDirectory = DataDirectory }, Time);
        var tiered = new TieredStore(memory, disk);
        Track(tiered);
        return (tiered, memory, disk);
    }
}
