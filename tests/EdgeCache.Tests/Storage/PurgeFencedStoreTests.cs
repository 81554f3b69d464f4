using EdgeCache.Storage;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Tests.Storage;

/// <summary>The purge fence around a plain store (memory, disk): a fill that began before a purge selecting it is not stored after it.</summary>
public sealed class PurgeFencedStoreTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "edgecache-tests", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(StoreTestData.Epoch);
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
    [InlineData("memory", false)]
    [InlineData("memory", true)]
    [InlineData("disk", false)]
    public async Task A_write_begun_before_a_purge_that_selects_it_is_not_committed_after_it(string inner, bool soft)
    {
        var store = Create(inner);
        await using var writer = (await store.BeginWriteAsync(StoreTestData.Metadata("https://example.com/fill", tags: ["news"])))!;
        Assert.True(await writer.WriteAsync(StoreTestData.Body(1, 1000)));

        await store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "news", soft));

        Assert.False(await writer.CommitAsync());
        Assert.Null(await store.GetAsync("https://example.com/fill"));
        Assert.Equal(0, store.Inner.GetStatistics().Entries);
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("disk")]
    public async Task A_fill_that_began_before_the_purge_is_refused_even_when_its_write_begins_after(string inner)
    {
        var store = Create(inner);
        var fillBegan = store.PurgeSequence; // the origin request goes out
        await store.PurgeAsync(new PurgeRequest(PurgeKind.Url, "https://example.com/fill"));

        // The origin's headers arrive after the purge: the body is what the purge meant to remove.
        await using var writer = (await store.BeginWriteAsync(StoreTestData.Metadata("https://example.com/fill"), fillBegan))!;
        Assert.True(await writer.WriteAsync(StoreTestData.Body(2, 100)));

        Assert.False(await writer.CommitAsync());
        Assert.Null(await store.GetAsync("https://example.com/fill"));
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("disk")]
    public async Task Purges_that_do_not_select_the_write_and_writes_begun_after_a_purge_are_committed(string inner)
    {
        var store = Create(inner);
        await using var pending = (await store.BeginWriteAsync(StoreTestData.Metadata("https://example.com/sport", tags: ["sport"])))!;
        Assert.True(await pending.WriteAsync(StoreTestData.Body(3, 100)));
        await store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "news"));
        await using var after = (await store.BeginWriteAsync(StoreTestData.Metadata("https://example.com/news", tags: ["news"])))!;
        Assert.True(await after.WriteAsync(StoreTestData.Body(4, 100)));

        Assert.True(await pending.CommitAsync());
        Assert.True(await after.CommitAsync());
        Assert.NotNull(await store.GetAsync("https://example.com/sport"));
        Assert.NotNull(await store.GetAsync("https://example.com/news"));
    }

    [Fact]
    public async Task A_copy_read_from_the_other_tier_while_that_tier_was_purged_is_not_committed()
    {
        var store = Create("memory");
        long readDuringPurge = -1;
        var purge = new PurgeRequest(PurgeKind.Tag, "news");

        // The other tier (a shared one) is being purged; a reader copies an entry from it in the meantime.
        await store.PurgeAsync(purge, (_, _) =>
        {
            readDuringPurge = store.PurgeSequence;
            return new ValueTask<long>(1L);
        });
        await using var copy = (await store.BeginWriteAsync(StoreTestData.Metadata("https://example.com/copied", tags: ["news"]), readDuringPurge))!;
        Assert.True(await copy.WriteAsync(StoreTestData.Body(5, 100)));

        Assert.False(await copy.CommitAsync());
        Assert.True(store.PurgedSince(readDuringPurge, StoreTestData.Metadata("https://example.com/copied", tags: ["news"])));
        Assert.False(store.PurgedSince(store.PurgeSequence, StoreTestData.Metadata("https://example.com/copied", tags: ["news"])));
    }

    private PurgeFencedStore Create(string inner)
    {
        ICacheStore store = inner == "memory"
            ? new MemoryStore(new MemoryStoreOptions { SizeLimit = 8 * 1024 * 1024 }, _time)
            : DiskStore.Open(new DiskStoreOptions { DataDirectory = _directory, SizeLimit = 64 * 1024 * 1024 }, _time);
        var fenced = new PurgeFencedStore(store);
        _stores.Add(fenced);
        return fenced;
    }
}
