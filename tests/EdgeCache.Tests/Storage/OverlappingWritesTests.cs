using EdgeCache.Storage;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Tests.Storage;

/// <summary>
/// Over the three stores the server builds (fenced memory, fenced disk, tiered): among writes of one key in
/// flight together, the most recent response wins whatever order they commit in (RFC 9111 section 4).
/// </summary>
public sealed class OverlappingWritesTests : IAsyncLifetime
{
    private const string Url = "https://example.com/coalesce";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "edgecache-tests", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(StoreTestData.Epoch);
    private readonly List<ICacheStore> _stores = [];

    public static TheoryData<string> Stores => ["memory", "disk", "tiered"];

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
    [MemberData(nameof(Stores))]
    public async Task An_older_response_committing_after_a_newer_overlapping_one_does_not_replace_it(string kind)
    {
        var store = Create(kind);
        var older = await BeginAsync(store, responseTime: StoreTestData.Epoch, seed: 1);
        var newer = await BeginAsync(store, responseTime: StoreTestData.Epoch.AddMilliseconds(1), seed: 2);

        Assert.True(await newer.Writer.CommitAsync());
        Assert.True(await older.Writer.CommitAsync()); // superseded: as if stored and replaced at once
        await older.Writer.DisposeAsync();
        await newer.Writer.DisposeAsync();

        var entry = await store.GetAsync(Url);
        Assert.NotNull(entry);
        Assert.Equal(newer.Body, await StoreTestData.ReadBodyAsync(entry));
        Assert.Equal(StoreTestData.Epoch.AddMilliseconds(1), entry.Metadata.ResponseTime);
        Assert.Equal(0, KeysBeingWritten(store));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_newer_response_committing_after_an_older_overlapping_one_replaces_it(string kind)
    {
        var store = Create(kind);
        var older = await BeginAsync(store, responseTime: StoreTestData.Epoch, seed: 1);
        var newer = await BeginAsync(store, responseTime: StoreTestData.Epoch.AddMilliseconds(1), seed: 2);

        Assert.True(await older.Writer.CommitAsync());
        Assert.True(await newer.Writer.CommitAsync());
        await older.Writer.DisposeAsync();
        await newer.Writer.DisposeAsync();

        var entry = await store.GetAsync(Url);
        Assert.NotNull(entry);
        Assert.Equal(newer.Body, await StoreTestData.ReadBodyAsync(entry));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_write_begun_after_the_others_ended_replaces_them_and_no_key_is_left_tracked(string kind)
    {
        var store = Create(kind);
        var newer = await BeginAsync(store, responseTime: StoreTestData.Epoch.AddMilliseconds(5), seed: 1);
        var abandoned = await BeginAsync(store, responseTime: StoreTestData.Epoch.AddMilliseconds(9), seed: 3);
        Assert.True(await newer.Writer.CommitAsync());
        await newer.Writer.DisposeAsync();
        await abandoned.Writer.DisposeAsync(); // never committed: it must not block what follows

        // Nothing is in flight any more, so a later write is simply the latest put (the Cache API's replace).
        var later = await BeginAsync(store, responseTime: StoreTestData.Epoch, seed: 2);
        Assert.True(await later.Writer.CommitAsync());
        await later.Writer.DisposeAsync();

        var entry = await store.GetAsync(Url);
        Assert.NotNull(entry);
        Assert.Equal(later.Body, await StoreTestData.ReadBodyAsync(entry));
        Assert.Equal(0, KeysBeingWritten(store));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Overlapping_writes_of_different_keys_do_not_supersede_each_other(string kind)
    {
        var store = Create(kind);
        var older = await BeginAsync(store, responseTime: StoreTestData.Epoch, seed: 1, url: Url + "?a");
        var newer = await BeginAsync(store, responseTime: StoreTestData.Epoch.AddMilliseconds(1), seed: 2, url: Url + "?b");

        Assert.True(await newer.Writer.CommitAsync());
        Assert.True(await older.Writer.CommitAsync());
        await older.Writer.DisposeAsync();
        await newer.Writer.DisposeAsync();

        Assert.Equal(older.Body, await StoreTestData.ReadBodyAsync((await store.GetAsync(Url + "?a"))!));
        Assert.Equal(newer.Body, await StoreTestData.ReadBodyAsync((await store.GetAsync(Url + "?b"))!));
    }

    private static async Task<(ICacheEntryWriter Writer, byte[] Body)> BeginAsync(ICacheStore store, DateTimeOffset responseTime, int seed, string url = Url)
    {
        var body = StoreTestData.Body(seed, 1000);
        var writer = await store.BeginWriteAsync(StoreTestData.Metadata(url, now: responseTime));
        Assert.NotNull(writer);
        Assert.True(await writer.WriteAsync(body));
        return (writer, body);
    }

    private static int KeysBeingWritten(ICacheStore store) => store switch
    {
        PurgeFencedStore fenced => fenced.KeysBeingWritten,
        TieredStore tiered => tiered.KeysBeingWritten,
        _ => throw new ArgumentException("not a store the server builds", nameof(store)),
    };

    private ICacheStore Create(string kind)
    {
        MemoryStore Memory() => new(new MemoryStoreOptions { SizeLimit = 8 * 1024 * 1024 }, _time);
        DiskStore Disk() => DiskStore.Open(new DiskStoreOptions { DataDirectory = _directory, SizeLimit = 64 * 1024 * 1024 }, _time);
        ICacheStore store = kind switch
        {
            "memory" => new PurgeFencedStore(Memory()),
            "disk" => new PurgeFencedStore(Disk()),
            _ => new TieredStore(Memory(), Disk()),
        };
        _stores.Add(store);
        return store;
    }
}
