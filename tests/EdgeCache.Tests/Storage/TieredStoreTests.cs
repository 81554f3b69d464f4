using EdgeCache.Storage;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Tests.Storage;

/// <summary>What only the tiered store promises: promotion on a second hit below (or the first, by policy), write-through, fallback from a failing tier.</summary>
public sealed class TieredStoreTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "edgecache-tests", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(StoreTestData.Epoch);
    private readonly CapturingLogger _logger = new();
    private readonly List<ICacheStore> _stores = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_write_begun_before_a_purge_that_selects_it_is_not_published_after_it(bool soft)
    {
        var (tiered, memory, disk) = Create();
        var body = StoreTestData.Body(1, 1000);
        await using var writer = (await tiered.BeginWriteAsync(StoreTestData.Metadata("https://example.com/fill", tags: ["news"])))!;
        Assert.True(await writer.WriteAsync(body));

        // The purge lands while the body is still being written (a fill racing a purge).
        await tiered.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "news", soft));

        Assert.False(await writer.CommitAsync());
        Assert.Null(await tiered.GetAsync("https://example.com/fill"));
        Assert.Equal(0, memory.GetStatistics().Entries);
        Assert.Equal(0, disk.GetStatistics().Entries);
    }

    [Fact]
    public async Task A_fill_that_began_before_a_purge_is_not_published_even_when_its_write_begins_after_it()
    {
        var (tiered, memory, disk) = Create();
        var fillBegan = tiered.PurgeSequence;
        await tiered.PurgeAsync(new PurgeRequest(PurgeKind.Url, "https://example.com/fill"));

        await using var writer = (await tiered.BeginWriteAsync(StoreTestData.Metadata("https://example.com/fill"), fillBegan))!;
        Assert.True(await writer.WriteAsync(StoreTestData.Body(1, 1000)));

        Assert.False(await writer.CommitAsync());
        Assert.Equal(0, memory.GetStatistics().Entries);
        Assert.Equal(0, disk.GetStatistics().Entries);
    }

    [Fact]
    public async Task A_purge_that_does_not_select_a_pending_write_lets_it_publish()
    {
        var (tiered, _, _) = Create();
        var body = StoreTestData.Body(2, 1000);
        await using var writer = (await tiered.BeginWriteAsync(StoreTestData.Metadata("https://example.com/other", tags: ["sport"])))!;
        Assert.True(await writer.WriteAsync(body));

        await tiered.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "news"));

        Assert.True(await writer.CommitAsync());
        Assert.NotNull(await tiered.GetAsync("https://example.com/other"));
    }

    [Fact]
    public async Task Write_goes_through_to_memory_and_disk()
    {
        var (tiered, memory, disk) = Create();
        var body = StoreTestData.Body(1, 5000);

        Assert.True(await StoreTestData.PutAsync(tiered, StoreTestData.Metadata("https://example.com/a"), body));

        Assert.Equal(body, await StoreTestData.ReadBodyAsync((await memory.GetAsync("https://example.com/a"))!));
        Assert.Equal(body, await StoreTestData.ReadBodyAsync((await disk.GetAsync("https://example.com/a"))!));
    }

    [Fact]
    public async Task A_first_disk_hit_is_served_from_disk_and_not_promoted()
    {
        var (tiered, memory, _) = Create();
        var body = StoreTestData.Body(1, 5000);
        await StoreTestData.PutAsync(tiered, StoreTestData.Metadata("https://example.com/a"), body);
        await memory.DeleteAsync("https://example.com/a");

        var entry = await tiered.GetAsync("https://example.com/a");

        Assert.NotNull(entry);
        Assert.IsNotType<MemoryCacheEntry>(entry);
        Assert.Equal(body, await StoreTestData.ReadBodyAsync(entry));
        Assert.Null(await memory.GetAsync("https://example.com/a"));
    }

    [Fact]
    public async Task A_second_disk_hit_is_promoted_into_memory()
    {
        var (tiered, memory, _) = Create();
        var body = StoreTestData.Body(1, 5000);
        await StoreTestData.PutAsync(tiered, StoreTestData.Metadata("https://example.com/a", tags: ["t"]), body);
        await memory.DeleteAsync("https://example.com/a");
        Assert.NotNull(await tiered.GetAsync("https://example.com/a"));

        var entry = await tiered.GetAsync("https://example.com/a");

        Assert.NotNull(entry);
        Assert.Equal(body, await StoreTestData.ReadBodyAsync(entry));
        var promoted = await memory.GetAsync("https://example.com/a");
        Assert.NotNull(promoted);
        Assert.Equal(body, await StoreTestData.ReadBodyAsync(promoted));
        Assert.Equal(["t"], promoted.Metadata.Tags);
    }

    [Fact]
    public async Task A_single_disk_hit_is_forgotten_once_the_window_has_passed()
    {
        var (tiered, memory, disk) = Create();
        await StoreTestData.PutAsync(disk, StoreTestData.Metadata("https://example.com/a"), StoreTestData.Body(1, 100));
        Assert.NotNull(await tiered.GetAsync("https://example.com/a"));

        // Memory is nearly empty, so the window is the shortest one: that many hits below of other keys end it.
        for (var i = 0; i < PromotionDoorkeeper.MinWindow; i++)
        {
            var other = $"https://example.com/other/{i}";
            await StoreTestData.PutAsync(disk, StoreTestData.Metadata(other), StoreTestData.Body(i, 100));
            Assert.NotNull(await tiered.GetAsync(other));
        }

        Assert.NotNull(await tiered.GetAsync("https://example.com/a"));
        Assert.Null(await memory.GetAsync("https://example.com/a"));
        Assert.NotNull(await tiered.GetAsync("https://example.com/a"));
        Assert.NotNull(await memory.GetAsync("https://example.com/a"));
    }

    [Fact]
    public async Task With_the_first_hit_policy_a_disk_hit_is_promoted_at_once()
    {
        var (tiered, memory, _) = Create(promotion: PromotionPolicy.FirstHit);
        var body = StoreTestData.Body(1, 5000);
        await StoreTestData.PutAsync(tiered, StoreTestData.Metadata("https://example.com/a"), body);
        await memory.DeleteAsync("https://example.com/a");

        var entry = await tiered.GetAsync("https://example.com/a");

        Assert.Equal(PromotionPolicy.FirstHit, tiered.Promotion);
        Assert.Equal(body, await StoreTestData.ReadBodyAsync(entry!));
        var promoted = await memory.GetAsync("https://example.com/a");
        Assert.NotNull(promoted);
        Assert.Equal(body, await StoreTestData.ReadBodyAsync(promoted));
    }

    [Fact]
    public void The_default_policy_is_the_second_hit_and_an_undefined_one_is_refused()
    {
        var memory = new MemoryStore(new MemoryStoreOptions { SizeLimit = 1024 * 1024 }, _time);
        var lower = new MemoryStore(new MemoryStoreOptions { SizeLimit = 1024 * 1024 }, _time);
        var tiered = new TieredStore(memory, lower);
        _stores.Add(tiered);

        Assert.Equal(PromotionPolicy.SecondHit, tiered.Promotion);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TieredStore(memory, lower, (PromotionPolicy)2));
    }

    [Fact]
    public async Task Object_over_the_memory_object_limit_lives_on_disk_only_and_is_served_from_its_file()
    {
        var (tiered, memory, _) = Create(memoryObjectLimit: 10_000);
        var body = StoreTestData.Body(1, 50_000);

        Assert.True(await StoreTestData.PutAsync(tiered, StoreTestData.Metadata("https://example.com/big"), body, chunkSize: 4096));

        Assert.Null(await memory.GetAsync("https://example.com/big"));
        var entry = await tiered.GetAsync("https://example.com/big");
        Assert.NotNull(entry);
        Assert.NotNull(entry.BodyFilePath);
        Assert.Equal(body, await StoreTestData.ReadBodyAsync(entry));
        Assert.Null(await memory.GetAsync("https://example.com/big"));
    }

    [Fact]
    public async Task Replacing_a_small_entry_with_one_too_big_for_memory_does_not_leave_the_old_copy_in_memory()
    {
        var (tiered, _, _) = Create(memoryObjectLimit: 10_000);
        await StoreTestData.PutAsync(tiered, StoreTestData.Metadata("https://example.com/a"), StoreTestData.Body(1, 1000));
        var big = StoreTestData.Body(2, 50_000);

        await StoreTestData.PutAsync(tiered, StoreTestData.Metadata("https://example.com/a"), big);

        Assert.Equal(big, await StoreTestData.ReadBodyAsync((await tiered.GetAsync("https://example.com/a"))!));
    }

    [Fact]
    public async Task Purge_reaches_both_tiers()
    {
        var (tiered, memory, disk) = Create();
        await StoreTestData.PutAsync(tiered, StoreTestData.Metadata("https://example.com/a", tags: ["t"]), StoreTestData.Body(1, 100));

        Assert.Equal(1, await tiered.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "t")));

        Assert.Null(await memory.GetAsync("https://example.com/a"));
        Assert.Null(await disk.GetAsync("https://example.com/a"));
    }

    [Fact]
    public async Task Failing_lower_tier_is_logged_and_memory_still_answers()
    {
        var memory = new MemoryStore(new MemoryStoreOptions { SizeLimit = 1024 * 1024 }, _time);
        var tiered = new TieredStore(memory, new ThrowingStore(), _logger);
        _stores.Add(tiered);
        var body = StoreTestData.Body(1, 1000);

        Assert.True(await StoreTestData.PutAsync(tiered, StoreTestData.Metadata("https://example.com/a"), body));
        var entry = await tiered.GetAsync("https://example.com/a");
        Assert.NotNull(entry);
        Assert.Equal(body, await StoreTestData.ReadBodyAsync(entry));
        Assert.Null(await tiered.GetAsync("https://example.com/missing"));
        Assert.True(await tiered.DeleteAsync("https://example.com/a"));
        Assert.Equal(0, await tiered.PurgeAsync(PurgeRequest.Everything));
        Assert.Equal("tiered", tiered.GetStatistics().Name);
        Assert.True(_logger.HasWarning("the broken tier failed during get"));
        Assert.True(_logger.HasWarning("the broken tier failed during write"));
    }

    [Fact]
    public async Task Lower_tier_failing_in_the_middle_of_a_write_leaves_memory_with_the_entry()
    {
        var memory = new MemoryStore(new MemoryStoreOptions { SizeLimit = 1024 * 1024 }, _time);
        var tiered = new TieredStore(memory, new ThrowingStore { FailOnlyWrites = true }, _logger);
        _stores.Add(tiered);
        var body = StoreTestData.Body(1, 100_000);

        Assert.True(await StoreTestData.PutAsync(tiered, StoreTestData.Metadata("https://example.com/a"), body, chunkSize: 10_000));

        Assert.Equal(body, await StoreTestData.ReadBodyAsync((await tiered.GetAsync("https://example.com/a"))!));
        Assert.True(_logger.HasWarning("the broken tier failed during write"));
    }

    private (TieredStore Tiered, MemoryStore Memory, DiskStore Disk) Create(long memoryObjectLimit = 1024 * 1024, PromotionPolicy promotion = PromotionPolicy.SecondHit)
    {
        var memory = new MemoryStore(new MemoryStoreOptions { SizeLimit = 8 * 1024 * 1024, MaxObjectSize = memoryObjectLimit }, _time);
        var disk = DiskStore.Open(new DiskStoreOptions { DataDirectory = _directory, SizeLimit = 64 * 1024 * 1024 }, _time);
        var tiered = new TieredStore(memory, disk, promotion, _logger);
        _stores.Add(tiered);
        return (tiered, memory, disk);
    }

    /// <summary>A tier that throws on every call (fault injection); with <see cref="FailOnlyWrites"/> it starts writes and fails while writing.</summary>
    private sealed class ThrowingStore : ICacheStore
    {
        public bool FailOnlyWrites { get; init; }

        public string Name => "broken";

        public ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken = default) => throw new IOException("broken get");

        public ValueTask<ICacheEntryWriter?> BeginWriteAsync(EntryMetadata metadata, CancellationToken cancellationToken = default)
            => FailOnlyWrites ? new ValueTask<ICacheEntryWriter?>(new ThrowingWriter()) : throw new IOException("broken write");

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => throw new IOException("broken delete");

        public ValueTask<long> PurgeAsync(PurgeRequest purge, CancellationToken cancellationToken = default) => throw new IOException("broken purge");

        public StoreStatistics GetStatistics() => throw new IOException("broken statistics");

        public ValueTask DisposeAsync() => default;
    }

    private sealed class ThrowingWriter : ICacheEntryWriter
    {
        private int _writes;

        public ValueTask<bool> WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
            => ++_writes > 3 ? throw new IOException("disk vanished") : new ValueTask<bool>(true);

        public ValueTask<bool> CommitAsync(CancellationToken cancellationToken = default) => throw new IOException("broken commit");

        public ValueTask DisposeAsync() => default;
    }
}
