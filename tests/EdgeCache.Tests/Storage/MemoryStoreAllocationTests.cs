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

    [Theory]
    [InlineData(200 * 1024)]
    [InlineData(5 * 1024 * 1024)]
    public async Task A_body_of_declared_length_is_stored_in_the_array_it_was_written_into(int length)
    {
        // Renting growing buffers and copying at commit made each large body cost its size twice over, and the
        // shared pool kept the rented large arrays (about 250 MB beside a 64 MB tier in the soak).
        var store = new MemoryStore(new MemoryStoreOptions { SizeLimit = 64L << 20 }, new FakeTimeProvider(StoreTestData.Epoch));
        var body = StoreTestData.Body(7, length);
        var metadata = StoreTestData.Metadata("https://example.com/large") with { BodyLength = length };
        await using var writer = await store.BeginWriteAsync(metadata);
        Assert.NotNull(writer);

        var beforeWrites = GC.GetAllocatedBytesForCurrentThread();
        for (var offset = 0; offset < length; offset += 64 * 1024)
        {
            Assert.True(writer.WriteAsync(body.AsMemory(offset, Math.Min(64 * 1024, length - offset))).IsCompletedSuccessfully);
        }

        var pending = writer.CommitAsync();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - beforeWrites;

        Assert.True(pending.IsCompletedSuccessfully);
        Assert.True(await pending);
        Assert.True(allocated < 16 * 1024, $"writing and committing a {length}-byte body allocated {allocated} bytes");
        var entry = await store.GetAsync(metadata.Key);
        Assert.NotNull(entry);
        Assert.Equal(body, await StoreTestData.ReadBodyAsync(entry));
    }

    [Theory]
    [InlineData(70_000, true)]
    [InlineData(70_000, false)]
    public async Task A_stored_body_in_an_array_is_in_generation_2_from_the_start(int length, bool declared)
    {
        // From 64 KB (below that bodies are native blocks) to the large object heap's 85,000 bytes.
        // An ordinary array would start in generation 0 and be copied into 1 and then 2 by the young collections
        // (every cached body survives them), which also keep scanning it as a survivor.
        var store = new MemoryStore(timeProvider: new FakeTimeProvider(StoreTestData.Epoch));
        var metadata = StoreTestData.Metadata("https://example.com/small") with { BodyLength = declared ? length : -1 };
        await StoreTestData.PutAsync(store, metadata, StoreTestData.Body(3, length));

        var entry = await store.GetAsync(metadata.Key);

        Assert.NotNull(entry);
        Assert.True(entry.TryGetMemory(out var body));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(body, out var segment));
        Assert.Equal(2, GC.GetGeneration(segment.Array!));
    }

    [Fact]
    public async Task A_body_longer_than_it_declared_is_refused()
    {
        var store = new MemoryStore(timeProvider: new FakeTimeProvider(StoreTestData.Epoch));
        var metadata = StoreTestData.Metadata("https://example.com/liar") with { BodyLength = 1000 };
        await using var writer = await store.BeginWriteAsync(metadata);
        Assert.NotNull(writer);

        Assert.True(await writer.WriteAsync(new byte[1000]));
        Assert.False(await writer.WriteAsync(new byte[1]));
        Assert.False(await writer.CommitAsync());
        Assert.Null(await store.GetAsync(metadata.Key));
    }

    private static CacheEntry? HitSynchronously(MemoryStore store, string key)
    {
        var pending = store.GetAsync(key);
        Assert.True(pending.IsCompletedSuccessfully);
        return pending.Result;
    }
}
