using EdgeCache.Storage;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Tests.Storage;

public sealed class MemoryStoreAllocationTests
{
    [Fact]
    public async Task Lookup_of_a_hit_allocates_nothing()
    {
        var store = new MemoryStore(timeProvider: new FakeTimeProvider(StoreTestData.Epoch));
        var key = "https://example.com/hot";
        await StoreTestData.PutAsync(store, StoreTestData.Metadata(key), StoreTestData.Body(1, 1000));
        Assert.NotNull(HitSynchronously(store, key));

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            HitSynchronously(store, key);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    private static CacheEntry? HitSynchronously(MemoryStore store, string key)
    {
        var pending = store.GetAsync(key);
        Assert.True(pending.IsCompletedSuccessfully);
        return pending.Result;
    }
}
