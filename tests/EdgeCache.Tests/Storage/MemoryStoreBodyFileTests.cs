using EdgeCache.Storage;

namespace EdgeCache.Tests.Storage;

/// <summary>
/// Large memory-tier bodies in memory files (memfd, Linux): where a body goes, that every reader gets it whole,
/// that a removed entry's file stays open exactly while a reader or the removal grace holds it and is closed
/// after (counted by the store and by the process's own descriptor table), that the budget counts the files,
/// and that a file that cannot be made leaves the body in an array.
/// </summary>
public sealed class MemoryStoreBodyFileTests : MemoryStoreTestBase
{
    private const int Large = 200_000;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_from_the_threshold_up_lives_in_one_shared_file_and_reads_back_exact(bool declaredLength)
    {
        var store = NewStore();
        var body = StoreTestData.Body(1, Large);
        var metadata = StoreTestData.Metadata("https://example.com/large");
        Assert.True(await StoreTestData.PutAsync(store, declaredLength ? metadata with { BodyLength = body.Length } : metadata, body, chunkSize: 7_000));

        var entry = await store.GetAsync(metadata.Key);

        Assert.NotNull(entry);
        Assert.False(entry.TryGetMemory(out _));
        var shared = Assert.IsAssignableFrom<ISharedBodyFile>(entry);
        Assert.True(shared.TryAcquireBodyFile(out var file, out var length));
        var read = new byte[length];
        Assert.Equal(body.Length, RandomAccess.Read(file, read, 0));
        shared.ReleaseBodyFile();
        Assert.Equal(body, read);
        Assert.Equal(body, await StoreTestData.ReadBodyAsync(entry));
        Assert.Equal(1, store.BodyFiles);
        Assert.Equal(Large, store.BodyFileBytes);
        AssertDescriptors(store, 1);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(Large + 1L)]
    public async Task A_body_below_the_threshold_or_with_files_off_stays_in_an_array(long threshold)
    {
        var store = NewStore(fileBodyThreshold: threshold);
        var body = StoreTestData.Body(2, Large);
        var metadata = StoreTestData.Metadata("https://example.com/array") with { BodyLength = Large };
        Assert.True(await StoreTestData.PutAsync(store, metadata, body));

        var entry = await store.GetAsync(metadata.Key);

        Assert.NotNull(entry);
        Assert.True(entry.TryGetMemory(out var memory));
        Assert.Equal(body, memory.ToArray());
        Assert.False(((ISharedBodyFile)entry).TryAcquireBodyFile(out _, out _));
        Assert.Equal(0, store.BodyFiles);
        AssertDescriptors(store, 0);
    }

    [Fact]
    public async Task A_removed_entry_nobody_reads_closes_its_file_at_once()
    {
        var store = NewStore();
        var metadata = await PutLargeAsync(store, "https://example.com/gone", seed: 3);

        Assert.True(await store.DeleteAsync(metadata.Key));

        Assert.Equal(0, store.BodyFiles);
        Assert.Equal(0, store.Bytes);
        AssertDescriptors(store, 0);
    }

    [Fact]
    public async Task A_purged_entry_being_read_stays_whole_and_its_file_closes_when_the_reader_is_done()
    {
        var store = NewStore();
        var body = StoreTestData.Body(4, Large);
        var metadata = StoreTestData.Metadata("https://example.com/slow") with { BodyLength = Large };
        Assert.True(await StoreTestData.PutAsync(store, metadata, body));
        var entry = (await store.GetAsync(metadata.Key))!;
        var reader = entry.OpenBody();
        var first = new byte[1000];
        await reader.ReadExactlyAsync(first);

        Assert.Equal(1, await store.PurgeAsync(PurgeRequest.Everything));
        Time.Advance(TimeSpan.FromSeconds(5));

        // Removed from the tier, but still open and counted while the reader holds it.
        Assert.Null(await store.GetAsync(metadata.Key));
        Assert.Equal(1, store.BodyFiles);
        Assert.Equal(Large, store.Bytes);
        var rest = new MemoryStream();
        await reader.CopyToAsync(rest);
        Assert.Equal(body, first.Concat(rest.ToArray()).ToArray());
        AssertDescriptors(store, 1);

        await reader.DisposeAsync();

        Assert.Equal(0, store.BodyFiles);
        Assert.Equal(0, store.Bytes);
        AssertDescriptors(store, 0);
        Assert.Throws<IOException>(() => entry.OpenBody());
    }

    [Fact]
    public async Task An_entry_hit_just_before_its_removal_keeps_its_file_through_the_grace_then_closes_it()
    {
        var store = NewStore();
        var metadata = await PutLargeAsync(store, "https://example.com/grace", seed: 5);
        var entry = (await store.GetAsync(metadata.Key))!;

        Assert.True(await store.DeleteAsync(metadata.Key));

        // The reader that found the entry can still take its reference.
        Assert.Equal(1, store.BodyFiles);
        var shared = (ISharedBodyFile)entry;
        Assert.True(shared.TryAcquireBodyFile(out _, out _));
        shared.ReleaseBodyFile();
        Time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(0, store.BodyFiles);
        Assert.Equal(0, store.Bytes);
        Assert.False(shared.TryAcquireBodyFile(out _, out _));
        AssertDescriptors(store, 0);
    }

    [Fact]
    public async Task The_budget_counts_file_bodies_and_removed_ones_still_being_read()
    {
        var store = NewStore(sizeLimit: 1024 * 1024);
        for (var i = 0; i < 10; i++)
        {
            await PutLargeAsync(store, $"https://example.com/b{i}", seed: 10 + i);
            Assert.True(store.Bytes <= 1024 * 1024, $"{store.Bytes} bytes after {i + 1} bodies");
        }

        Assert.Equal(5, store.Count);
        Assert.Equal(5, store.GetStatistics().Evictions);
        Assert.Equal(5, store.BodyFiles);

        // A reader holds the oldest survivor's body while it is evicted: its bytes still count, so the next
        // write evicts one entry more than it otherwise would.
        var held = (await store.GetAsync("https://example.com/b5"))!.OpenBody();
        Time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(await store.DeleteAsync("https://example.com/b5"));
        Assert.Equal(4, store.Count);
        Assert.True(store.Bytes > 4L * Large);
        await PutLargeAsync(store, "https://example.com/b10", seed: 20);
        await PutLargeAsync(store, "https://example.com/b11", seed: 21);
        Assert.True(store.Bytes <= 1024 * 1024, $"{store.Bytes} bytes with a removed body held");
        Assert.Equal(4, store.Count);
        Assert.Equal(5, store.BodyFiles);

        await held.DisposeAsync();
        Assert.Equal(4, store.BodyFiles);
        AssertDescriptors(store, 4);
    }

    [Fact]
    public async Task A_memory_file_that_cannot_be_made_leaves_the_body_in_an_array()
    {
        var store = NewStore();
        store.Files.CreateFault = () => new IOException("injected: memfd_create failed (EMFILE)");
        var body = StoreTestData.Body(6, Large);
        var metadata = StoreTestData.Metadata("https://example.com/fault") with { BodyLength = Large };

        Assert.True(await StoreTestData.PutAsync(store, metadata, body));

        var entry = await store.GetAsync(metadata.Key);
        Assert.NotNull(entry);
        Assert.True(entry.TryGetMemory(out var memory));
        Assert.Equal(body, memory.ToArray());
        Assert.Equal(1, store.Files.Fallbacks);
        Assert.Equal(0, store.BodyFiles);
        AssertDescriptors(store, 0);
    }

    [Fact]
    public async Task A_soft_purge_keeps_the_same_file_and_a_hard_purge_then_closes_it()
    {
        var store = NewStore();
        var metadata = await PutLargeAsync(store, "https://example.com/soft", seed: 7);

        Assert.Equal(1, await store.PurgeAsync(PurgeRequest.Everything with { Soft = true }));
        var marked = (await store.GetAsync(metadata.Key))!;
        Assert.True(marked.Metadata.Invalidated);
        Assert.Equal(StoreTestData.Body(7, Large), await StoreTestData.ReadBodyAsync(marked));
        Assert.Equal(1, store.BodyFiles);

        Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, await store.PurgeAsync(PurgeRequest.Everything));
        Assert.Equal(0, store.BodyFiles);
        AssertDescriptors(store, 0);
    }

    [Fact]
    public async Task Many_evictions_leave_no_descriptor_behind_and_disposal_closes_the_rest()
    {
        var store = NewStore(sizeLimit: 2 * 1024 * 1024);
        for (var i = 0; i < 300; i++)
        {
            var metadata = await PutLargeAsync(store, $"https://example.com/churn{i % 40}", seed: 100 + i, length: 70_000 + (i % 7 * 1000));
            if (i % 3 == 0)
            {
                await using var stream = (await store.GetAsync(metadata.Key))!.OpenBody();
                Assert.Equal(metadata.BodyLength, stream.Length);
            }

            Time.Advance(TimeSpan.FromMilliseconds(300));
        }

        Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(store.Count, store.BodyFiles);
        AssertDescriptors(store, store.Count);
        Assert.True(store.Bytes <= 2 * 1024 * 1024);

        await store.DisposeAsync();

        Assert.Equal(0, store.BodyFiles);
        AssertDescriptors(store, 0);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(1L)]
    [InlineData(4095L)]
    public void A_threshold_other_than_zero_below_4_KB_is_refused(long threshold)
    {
        var options = new MemoryStoreOptions { FileBodyThreshold = threshold };

        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);

        Assert.Equal(nameof(MemoryStoreOptions.FileBodyThreshold), error.ParamName);
    }

    private MemoryStore NewStore(long sizeLimit = 64L * 1024 * 1024, long fileBodyThreshold = 64 * 1024)
    {
        Assert.True(OperatingSystem.IsLinux(), "memory files are Linux's; these tests run there");
        return NewStore(new MemoryStoreOptions { SizeLimit = sizeLimit, MaxObjectSize = sizeLimit / 2, FileBodyThreshold = fileBodyThreshold });
    }

    private static async Task<EntryMetadata> PutLargeAsync(MemoryStore store, string url, int seed, int length = Large)
    {
        var metadata = StoreTestData.Metadata(url) with { BodyLength = length };
        Assert.True(await StoreTestData.PutAsync(store, metadata, StoreTestData.Body(seed, length)));
        return metadata;
    }

    /// <summary>The process's descriptors that point at this store's memory files (their name is the store's own).</summary>
    private static void AssertDescriptors(MemoryStore store, long expected)
    {
        var target = "/memfd:" + store.Files.Name + " ";
        var count = 0;
        foreach (var fd in new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos())
        {
            try
            {
                if (fd.LinkTarget is { } link && link.StartsWith(target, StringComparison.Ordinal))
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // A descriptor closed while the directory was read.
            }
        }

        Assert.Equal(expected, count);
    }
}
