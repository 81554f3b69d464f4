using EdgeCache.Storage;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Tests.Storage;

/// <summary>
/// The memory tier's budget covers what an entry holds on the heap, its response fields and tags included: beside a
/// small body they are not small, and uncharged they let a full tier hold more heap than its budget says.
/// </summary>
public sealed class MemoryStoreChargeTests
{
    private const int BodySize = 1024;

    [Fact]
    public async Task Response_fields_and_tags_count_in_the_budget()
    {
        var plain = await FillAsync(fieldValueLength: 0);
        var heavy = await FillAsync(fieldValueLength: 1000);

        // 1 KB bodies with 1000-character fields (2 KB of strings each) and three tags: at least three times the charge.
        Assert.True(heavy.Bytes / heavy.Entries >= 3 * BodySize, $"charged {heavy.Bytes / heavy.Entries} bytes per entry");
        Assert.True(heavy.Entries * 2 < plain.Entries, $"{heavy.Entries} heavy entries against {plain.Entries} plain ones in the same budget");
        Assert.True(heavy.Bytes <= heavy.CapacityBytes);
    }

    [Fact]
    public async Task Removing_every_entry_gives_back_exactly_what_publishing_charged()
    {
        var store = new MemoryStore(new MemoryStoreOptions { SizeLimit = 256 * 1024 }, new FakeTimeProvider(StoreTestData.Epoch));
        for (var i = 0; i < 100; i++)
        {
            Assert.True(await StoreTestData.PutAsync(store, Metadata($"https://example.com/{i}", 10 + i), StoreTestData.Body(i, BodySize)));
        }

        // Soft purge replaces each entry with a marked copy; the hard purge then removes them all.
        await store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "t1", Soft: true));
        await store.PurgeAsync(PurgeRequest.Everything);

        Assert.Equal(0, store.GetStatistics().Entries);
        Assert.Equal(0, store.GetStatistics().Bytes);
    }

    private static async Task<StoreStatistics> FillAsync(int fieldValueLength)
    {
        var store = new MemoryStore(new MemoryStoreOptions { SizeLimit = 512 * 1024 }, new FakeTimeProvider(StoreTestData.Epoch));
        for (var i = 0; i < 1000; i++)
        {
            await StoreTestData.PutAsync(store, Metadata($"https://example.com/{i}", fieldValueLength), StoreTestData.Body(i, BodySize));
        }

        return store.GetStatistics();
    }

    private static EntryMetadata Metadata(string url, int fieldValueLength) => StoreTestData.Metadata(url, tags: ["t1", "t2", "t3"]) with
    {
        BodyLength = BodySize,
        Headers = [new("Content-Type", "application/octet-stream"), new("ETag", new string('e', fieldValueLength / 2)), new("X-Trace", new string('x', fieldValueLength / 2))],
    };
}
