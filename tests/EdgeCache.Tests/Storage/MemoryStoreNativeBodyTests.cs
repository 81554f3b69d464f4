using System.Runtime.InteropServices;
using EdgeCache.Storage;

namespace EdgeCache.Tests.Storage;

/// <summary>
/// Memory-tier bodies under 64 KB in native blocks: they are off the GC heap and charged their whole block; a
/// lease or a stream keeps a body's bytes exactly as stored through its entry's eviction, deletion, purge or
/// overwrite, even while new bodies of the same size are written (which would reuse a freed block), and the block
/// goes back once the tier and every reader let go. Freed blocks are poisoned here, so a read after a free sees
/// the poison instead of passing by luck.
/// </summary>
public sealed class MemoryStoreNativeBodyTests : MemoryStoreTestBase
{
    private const int Size = 10_240;
    private const byte Poison = 0xDB;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_under_64KB_is_kept_off_the_GC_heap_and_charged_its_block(bool declared)
    {
        var store = NewStore();
        var body = StoreTestData.Body(1, 10_000);
        var metadata = StoreTestData.Metadata("https://example.com/small");
        Assert.True(await StoreTestData.PutAsync(store, declared ? metadata with { BodyLength = body.Length } : metadata, body, chunkSize: 3_000));

        var entry = Assert.IsType<MemoryCacheEntry>(await store.GetAsync(metadata.Key));

        // Not an array the caller could keep past the tier's lifetime rules.
        Assert.False(entry.TryGetMemory(out _));
        Assert.True(entry.TryAcquireMemory(out var memory));
        try
        {
            Assert.False(MemoryMarshal.TryGetArray(memory, out _));
            Assert.Equal(body, memory.ToArray());
        }
        finally
        {
            entry.ReleaseMemory();
        }

        Assert.Equal(body, await StoreTestData.ReadBodyAsync(entry));
        Assert.Equal(NativeBodyArena.BlockSize(10_000), store.NativeBodyBytes);
        Assert.Equal(10_240, store.NativeBodyBytes);
        Assert.Equal(entry.Metadata.BodyLength, body.Length);
    }

    [Fact]
    public async Task An_entry_is_charged_its_whole_block_and_its_removal_gives_the_charge_back()
    {
        var store = NewStore();
        var metadata = StoreTestData.Metadata("https://example.com/odd");
        Assert.True(await StoreTestData.PutAsync(store, metadata, StoreTestData.Body(2, 9_000)));
        var withBlock = store.Bytes;
        Assert.True(await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://example.com/odd2"), StoreTestData.Body(2, 9_216)));

        // 9,000 bytes take a 9,216-byte block: two entries differing only in body length within one block cost the same
        // (their keys differ in length by one character: two bytes).
        Assert.Equal(withBlock + 2, store.Bytes - withBlock);
        Assert.True(await store.DeleteAsync(metadata.Key));
        Assert.True(await store.DeleteAsync("https://example.com/odd2"));
        Assert.Equal(0, store.Bytes);
        Assert.Equal(0, store.NativeBodyBytes);
        Assert.Equal(0, store.NativeSlabBytes);
    }

    [Theory]
    [InlineData("deleted")]
    [InlineData("overwritten")]
    [InlineData("purged")]
    [InlineData("soft purged, then deleted")]
    [InlineData("evicted")]
    [InlineData("store disposed")]
    public async Task A_leased_body_keeps_its_bytes_until_released_whatever_removes_its_entry(string how)
    {
        var store = NewStore(sizeLimit: 256 * 1024);
        var body = StoreTestData.Body(3, Size);
        var metadata = StoreTestData.Metadata("https://example.com/leased", tags: ["t"]);
        Assert.True(await StoreTestData.PutAsync(store, metadata, body));
        var entry = (await store.GetAsync(metadata.Key))!;
        Assert.True(entry.TryAcquireMemory(out var memory));

        await RemoveAsync(store, metadata.Key, how);

        // Fresh bodies of the same size class, more than the tier holds three times over (SIEVE's hand passes the
        // leased entry, which was hit, once before evicting it): each would take the freed block if the lease did not hold it.
        for (var i = 0; i < 80; i++)
        {
            Assert.True(await StoreTestData.PutAsync(store, StoreTestData.Metadata($"https://example.com/new{i}"), StoreTestData.Body(100 + i, Size)) || how == "store disposed");
        }

        Assert.Equal(body, memory.ToArray());
        Assert.True(store.Bytes >= NativeBodyArena.BlockSize(Size) || how == "store disposed");

        entry.ReleaseMemory();
        Time.Advance(TimeSpan.FromSeconds(2));

        // Released for good: the memory refuses to give the freed block's bytes (now poison, or another body's).
        Assert.Throws<ObjectDisposedException>(() => memory.Span.Length);
        Assert.False(entry.TryAcquireMemory(out _));
        if (how == "store disposed")
        {
            Assert.Equal(0, store.NativeBodyBytes);
        }
    }

    [Theory]
    [InlineData("deleted")]
    [InlineData("evicted")]
    public async Task A_stream_reads_the_stored_bytes_whole_after_its_entry_is_removed_and_its_block_would_be_reused(string how)
    {
        var store = NewStore(sizeLimit: 256 * 1024);
        var body = StoreTestData.Body(4, Size);
        var metadata = StoreTestData.Metadata("https://example.com/streamed");
        Assert.True(await StoreTestData.PutAsync(store, metadata, body));
        var entry = (await store.GetAsync(metadata.Key))!;
        var stream = entry.OpenBody();
        var first = new byte[1000];
        Assert.Equal(1000, stream.Read(first));

        await RemoveAsync(store, metadata.Key, how);
        Time.Advance(TimeSpan.FromSeconds(2));
        for (var i = 0; i < 80; i++)
        {
            await StoreTestData.PutAsync(store, StoreTestData.Metadata($"https://example.com/new{i}"), StoreTestData.Body(200 + i, Size));
        }

        using var rest = new MemoryStream();
        await stream.CopyToAsync(rest);
        Assert.Equal(body, first.Concat(rest.ToArray()).ToArray());
        var before = store.Bytes;
        await stream.DisposeAsync();

        Assert.Equal(before - NativeBodyArena.BlockSize(Size), store.Bytes);
        Assert.Equal(store.Count * (long)NativeBodyArena.BlockSize(Size), store.NativeBodyBytes);
    }

    [Fact]
    public async Task A_stream_dropped_without_disposing_gives_its_block_back_when_collected()
    {
        var store = NewStore();
        var metadata = StoreTestData.Metadata("https://example.com/dropped");
        Assert.True(await StoreTestData.PutAsync(store, metadata, StoreTestData.Body(5, Size)));
        OpenAndDrop((await store.GetAsync(metadata.Key))!);
        Assert.True(await store.DeleteAsync(metadata.Key));
        Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(NativeBodyArena.BlockSize(Size), store.Bytes);

        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.Equal(0, store.Bytes);
        Assert.Equal(0, store.NativeBodyBytes);
    }

    [Fact]
    public async Task A_removed_entry_found_just_before_its_removal_can_still_be_leased_within_the_grace()
    {
        var store = NewStore();
        var body = StoreTestData.Body(6, Size);
        var metadata = StoreTestData.Metadata("https://example.com/grace");
        Assert.True(await StoreTestData.PutAsync(store, metadata, body));
        var entry = (await store.GetAsync(metadata.Key))!;
        Assert.True(await store.DeleteAsync(metadata.Key));

        Assert.True(entry.TryAcquireMemory(out var memory));
        Assert.Equal(body, memory.ToArray());
        entry.ReleaseMemory();
        Time.Advance(TimeSpan.FromSeconds(2));

        Assert.False(entry.TryAcquireMemory(out _));
        Assert.Equal(0, store.NativeBodyBytes);
    }

    [Fact]
    public async Task A_lease_released_twice_throws_instead_of_freeing_a_block_another_reader_holds()
    {
        var store = NewStore();
        var metadata = StoreTestData.Metadata("https://example.com/twice");
        Assert.True(await StoreTestData.PutAsync(store, metadata, StoreTestData.Body(7, Size)));
        var entry = (await store.GetAsync(metadata.Key))!;
        Assert.True(await store.DeleteAsync(metadata.Key));
        Time.Advance(TimeSpan.FromSeconds(2));

        Assert.False(entry.TryAcquireMemory(out _));
        Assert.Throws<InvalidOperationException>(entry.ReleaseMemory);
    }

    private static void OpenAndDrop(CacheEntry entry)
    {
        var stream = entry.OpenBody();
        Assert.Equal(1, stream.Read(new byte[1]));
    }

    private static async Task RemoveAsync(MemoryStore store, string key, string how)
    {
        switch (how)
        {
            case "deleted":
                Assert.True(await store.DeleteAsync(key));
                break;
            case "overwritten":
                Assert.True(await StoreTestData.PutAsync(store, StoreTestData.Metadata(key), StoreTestData.Body(99, Size)));
                break;
            case "purged":
                Assert.Equal(1, await store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "t")));
                break;
            case "soft purged, then deleted":
                Assert.Equal(1, await store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "t") with { Soft = true }));
                Assert.True(await store.DeleteAsync(key));
                break;
            case "evicted":
                // Each new entry hit once: SIEVE's hand then clears every visited bit, the leased entry's included
                // (it was hit too), comes round to it at the tail and evicts it.
                for (var i = 0; i < 60; i++)
                {
                    Assert.True(await StoreTestData.PutAsync(store, StoreTestData.Metadata($"https://example.com/evict{i}"), StoreTestData.Body(300 + i, Size)));
                    Assert.NotNull(await store.GetAsync($"https://example.com/evict{i}"));
                }

                Assert.Null(await store.GetAsync(key));
                break;
            case "store disposed":
                await store.DisposeAsync();
                break;
        }
    }

    private MemoryStore NewStore(long sizeLimit = 16L << 20)
    {
        var store = NewStore(new MemoryStoreOptions { SizeLimit = sizeLimit });
        store.Arena.PoisonOnFree = Poison;
        return store;
    }
}
