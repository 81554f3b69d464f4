using EdgeCache.Storage;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Tests.Storage;

/// <summary>
/// The behaviour every store promises, written once and run over each store by a subclass that says
/// how to create one: memory, disk and tiered here, Redis and the shared tier in EdgeCache.Redis.Tests
/// (which compiles this file in).
/// </summary>
public abstract partial class StoreBehaviourTests : IAsyncLifetime
{
    protected const long DefaultSize = 64L * 1024 * 1024;

    private readonly List<ICacheStore> _stores = [];

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    protected string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "edgecache-tests", Guid.NewGuid().ToString("N"));

    /// <summary>Creates the store under test with a byte budget and an object limit.</summary>
    protected abstract ICacheStore Create(long sizeLimit, long maxObjectSize);

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>
    /// Whether the store keeps its bytes within the budget it was created with. A store whose budget
    /// lives elsewhere (Redis's <c>maxmemory</c>) must instead keep every entry it accepted.
    /// </summary>
    protected virtual bool EnforcesByteBudget => true;

    /// <summary>
    /// Whether the store's statistics count its entries and bytes. The Redis tier does not (its server
    /// holds them; counting would mean a scan): there the tests check presence by lookups alone.
    /// </summary>
    protected virtual bool CountsEntries => true;

    public virtual async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task Stored_entry_is_found_with_its_metadata_and_body()
    {
        var store = NewStore();
        var body = StoreTestData.Body(1, 10_000);
        var metadata = StoreTestData.Metadata("https://example.com/a", tags: ["t1", "t2"]) with
        {
            Headers = [new("Content-Type", "text/plain"), new("ETag", "\"v1\""), new("Vary", "Accept"), new("Vary", "Accept-Encoding")],
        };

        Assert.True(await StoreTestData.PutAsync(store, metadata, body));

        var entry = await store.GetAsync(metadata.Key);
        Assert.NotNull(entry);
        Assert.Equal(body, await StoreTestData.ReadBodyAsync(entry));
        Assert.Equal(body.Length, entry.Metadata.BodyLength);
        Assert.Equal(metadata.Key, entry.Metadata.Key);
        Assert.Equal(metadata.Url, entry.Metadata.Url);
        Assert.Equal(metadata.Host, entry.Metadata.Host);
        Assert.Equal(metadata.StatusCode, entry.Metadata.StatusCode);
        Assert.Equal(metadata.Headers, entry.Metadata.Headers);
        Assert.Equal(metadata.ExpiresAt, entry.Metadata.ExpiresAt);
        Assert.Equal(metadata.ResponseTime, entry.Metadata.ResponseTime);
        Assert.Equal(metadata.FreshnessLifetime, entry.Metadata.FreshnessLifetime);
        Assert.Equal(["t1", "t2"], entry.Metadata.Tags);
        Assert.False(entry.Metadata.Invalidated);
    }

    [Fact]
    public async Task Body_streamed_in_many_small_chunks_is_read_back_whole()
    {
        var store = NewStore();
        var body = StoreTestData.Body(2, 1_000_003);
        var metadata = StoreTestData.Metadata("https://example.com/big");

        Assert.True(await StoreTestData.PutAsync(store, metadata, body, chunkSize: 4093));

        var entry = await store.GetAsync(metadata.Key);
        Assert.NotNull(entry);
        Assert.Equal(body, await StoreTestData.ReadBodyAsync(entry));
    }

    [Fact]
    public async Task Empty_body_is_stored_and_found()
    {
        var store = NewStore();
        var metadata = StoreTestData.Metadata("https://example.com/empty") with { BodyLength = 0 };

        Assert.True(await StoreTestData.PutAsync(store, metadata, []));

        var entry = await store.GetAsync(metadata.Key);
        Assert.NotNull(entry);
        Assert.Empty(await StoreTestData.ReadBodyAsync(entry));
    }

    [Fact]
    public async Task Missing_key_is_not_found()
    {
        var store = NewStore();
        await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://example.com/a"), StoreTestData.Body(1, 10));

        Assert.Null(await store.GetAsync("https://example.com/b"));
        Assert.Null(await store.GetAsync("https://example.com/A"));
    }

    [Fact]
    public async Task Put_under_the_same_key_replaces_the_entry()
    {
        var store = NewStore();
        var key = "https://example.com/a";
        await StoreTestData.PutAsync(store, StoreTestData.Metadata(key, tags: ["old"]), StoreTestData.Body(1, 5000));
        var newer = StoreTestData.Body(2, 3000);

        Assert.True(await StoreTestData.PutAsync(store, StoreTestData.Metadata(key, tags: ["new"]), newer));

        var entry = await store.GetAsync(key);
        Assert.NotNull(entry);
        Assert.Equal(newer, await StoreTestData.ReadBodyAsync(entry));
        Assert.Equal(["new"], entry.Metadata.Tags);
        await AssertEntryCountAsync(store, 1);
        Assert.Equal(0, await store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "old")));
    }

    [Fact]
    public async Task Delete_removes_the_entry_and_reports_whether_there_was_one()
    {
        var store = NewStore();
        var key = "https://example.com/a";
        await StoreTestData.PutAsync(store, StoreTestData.Metadata(key), StoreTestData.Body(1, 100));

        Assert.True(await store.DeleteAsync(key));
        Assert.Null(await store.GetAsync(key));
        Assert.False(await store.DeleteAsync(key));
        await AssertEntryCountAsync(store, 0);
    }

    [Fact]
    public async Task Entry_past_its_expiry_is_not_returned()
    {
        var store = NewStore();
        var key = "https://example.com/a";
        await StoreTestData.PutAsync(store, StoreTestData.Metadata(key, ttl: TimeSpan.FromSeconds(10), now: Time.GetUtcNow()), StoreTestData.Body(1, 100));

        Time.Advance(TimeSpan.FromSeconds(9));
        Assert.NotNull(await store.GetAsync(key));

        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await store.GetAsync(key));
    }

    [Fact]
    public async Task Nothing_is_visible_before_commit()
    {
        var store = NewStore();
        var metadata = StoreTestData.Metadata("https://example.com/a");
        var writer = await store.BeginWriteAsync(metadata);
        Assert.NotNull(writer);
        await using (writer)
        {
            Assert.True(await writer.WriteAsync(StoreTestData.Body(1, 1000)));
            Assert.Null(await store.GetAsync(metadata.Key));
            Assert.True(await writer.CommitAsync());
        }

        Assert.NotNull(await store.GetAsync(metadata.Key));
    }

    [Fact]
    public async Task Aborted_write_leaves_nothing_and_keeps_the_previous_entry()
    {
        var store = NewStore();
        var key = "https://example.com/a";
        var original = StoreTestData.Body(1, 2000);
        await StoreTestData.PutAsync(store, StoreTestData.Metadata(key), original);
        await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://example.com/other"), StoreTestData.Body(3, 10));
        var before = (await SettledStatisticsAsync(store));

        var writer = await store.BeginWriteAsync(StoreTestData.Metadata(key));
        Assert.NotNull(writer);
        Assert.True(await writer.WriteAsync(StoreTestData.Body(2, 5000)));
        await writer.DisposeAsync();

        var entry = await store.GetAsync(key);
        Assert.NotNull(entry);
        Assert.Equal(original, await StoreTestData.ReadBodyAsync(entry));
        var after = (await SettledStatisticsAsync(store));
        Assert.Equal(before.Entries, after.Entries);
        Assert.Equal(before.Bytes, after.Bytes);
        await AssertNoLeftoverFilesAsync();
    }

    [Fact]
    public async Task Commit_with_a_body_shorter_than_declared_stores_nothing()
    {
        var store = NewStore();
        var metadata = StoreTestData.Metadata("https://example.com/a") with { BodyLength = 1000 };
        var writer = await store.BeginWriteAsync(metadata);
        Assert.NotNull(writer);
        await using (writer)
        {
            await writer.WriteAsync(StoreTestData.Body(1, 999));
            Assert.False(await writer.CommitAsync());
        }

        Assert.Null(await store.GetAsync(metadata.Key));
        await AssertEntryCountAsync(store, 0);
        await AssertNoLeftoverFilesAsync();
    }

    [Fact]
    public async Task Commit_with_a_body_longer_than_declared_stores_nothing()
    {
        var store = NewStore();
        var metadata = StoreTestData.Metadata("https://example.com/a") with { BodyLength = 1000 };
        var writer = await store.BeginWriteAsync(metadata);
        Assert.NotNull(writer);
        await using (writer)
        {
            await writer.WriteAsync(StoreTestData.Body(1, 1001));
            Assert.False(await writer.CommitAsync());
        }

        Assert.Null(await store.GetAsync(metadata.Key));
    }

    [Fact]
    public async Task Statistics_count_entries_bytes_hits_and_misses()
    {
        var store = NewStore();
        await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://example.com/a"), StoreTestData.Body(1, 1000));
        await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://example.com/b"), StoreTestData.Body(2, 3000));

        await store.GetAsync("https://example.com/a");
        await store.GetAsync("https://example.com/a");
        await store.GetAsync("https://example.com/missing");

        var statistics = (await SettledStatisticsAsync(store));
        if (CountsEntries)
        {
            Assert.Equal(2, statistics.Entries);
            Assert.InRange(statistics.Bytes, 4000, 4000 + 4096);
        }

        if (EnforcesByteBudget)
        {
            Assert.Equal(DefaultSize, statistics.CapacityBytes);
        }

        Assert.Equal(2, statistics.Hits);
        Assert.Equal(1, statistics.Misses);
        Assert.Equal(0, statistics.Evictions);
        Assert.False(string.IsNullOrEmpty(statistics.Name));
    }

    [Fact]
    public async Task Object_larger_than_the_budget_is_declined_when_its_length_is_known()
    {
        var store = NewStore(sizeLimit: 64 * 1024, maxObjectSize: 64 * 1024);
        var body = StoreTestData.Body(1, 100_000);
        var metadata = StoreTestData.Metadata("https://example.com/huge") with { BodyLength = body.Length };

        Assert.False(await StoreTestData.PutAsync(store, metadata, body));

        Assert.Null(await store.GetAsync(metadata.Key));
        await AssertEntryCountAsync(store, 0);
        await AssertNoLeftoverFilesAsync();
    }

    [Fact]
    public async Task Object_larger_than_the_budget_is_declined_when_its_length_is_unknown()
    {
        var store = NewStore(sizeLimit: 64 * 1024, maxObjectSize: 64 * 1024);
        var body = StoreTestData.Body(1, 100_000);
        var metadata = StoreTestData.Metadata("https://example.com/huge");

        Assert.False(await StoreTestData.PutAsync(store, metadata, body, chunkSize: 8192));

        Assert.Null(await store.GetAsync(metadata.Key));
        await AssertEntryCountAsync(store, 0);
        await AssertNoLeftoverFilesAsync();
    }

    [Fact]
    public async Task Entries_beyond_the_budget_are_evicted_and_the_bytes_stay_within_it()
    {
        var store = NewStore(sizeLimit: 1024 * 1024, maxObjectSize: 256 * 1024);
        for (var i = 0; i < 30; i++)
        {
            Assert.True(await StoreTestData.PutAsync(store, StoreTestData.Metadata($"https://example.com/{i}"), StoreTestData.Body(i, 100_000)));
            if (EnforcesByteBudget)
            {
                Assert.InRange((await SettledStatisticsAsync(store)).Bytes, 0, 1024 * 1024);
            }
        }

        if (!EnforcesByteBudget)
        {
            for (var i = 0; i < 30; i++)
            {
                var kept = await store.GetAsync($"https://example.com/{i}");
                Assert.NotNull(kept);
                Assert.Equal(StoreTestData.Body(i, 100_000), await StoreTestData.ReadBodyAsync(kept));
            }

            return;
        }

        var last = await store.GetAsync("https://example.com/29");
        Assert.NotNull(last);
        Assert.Equal(StoreTestData.Body(29, 100_000), await StoreTestData.ReadBodyAsync(last));
        var statistics = (await SettledStatisticsAsync(store));
        Assert.InRange(statistics.Entries, 1, 10);
        Assert.True(statistics.Evictions >= 20);
    }

    [Fact]
    public async Task Concurrent_writers_of_one_key_leave_one_whole_entry()
    {
        var store = NewStore();
        var key = "https://example.com/contended";
        const int writers = 8;
        var tasks = Enumerable.Range(0, writers).Select(i => Task.Run(async () =>
        {
            var metadata = StoreTestData.Metadata(key) with { Headers = [new("X-Writer", i.ToString(System.Globalization.CultureInfo.InvariantCulture))] };
            var body = StoreTestData.Body(100 + i, 50_000 + (i * 1000));
            var writer = await store.BeginWriteAsync(metadata);
            Assert.NotNull(writer);
            await using (writer)
            {
                for (var offset = 0; offset < body.Length; offset += 7000)
                {
                    await writer.WriteAsync(body.AsMemory(offset, Math.Min(7000, body.Length - offset)));
                    await Task.Yield();
                }

                return await writer.CommitAsync();
            }
        })).ToArray();

        var committed = await Task.WhenAll(tasks);

        Assert.Contains(true, committed);
        var entry = await store.GetAsync(key);
        Assert.NotNull(entry);
        var winner = int.Parse(entry.Metadata.GetHeader("X-Writer")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(StoreTestData.Body(100 + winner, 50_000 + (winner * 1000)), await StoreTestData.ReadBodyAsync(entry));
        await AssertEntryCountAsync(store, 1);
    }

    [Fact]
    public async Task Of_overlapping_writers_of_one_key_the_last_to_commit_wins()
    {
        var store = NewStore();
        var key = "https://example.com/overlap";
        var writers = new List<ICacheEntryWriter>();
        for (var i = 0; i < 3; i++)
        {
            var metadata = StoreTestData.Metadata(key) with { Headers = [new("X-Writer", i.ToString(System.Globalization.CultureInfo.InvariantCulture))] };
            var writer = await store.BeginWriteAsync(metadata);
            Assert.NotNull(writer);
            Assert.True(await writer.WriteAsync(StoreTestData.Body(200 + i, 20_000)));
            writers.Add(writer);
        }

        // Begun in order 0, 1, 2; committed in order 1, 2, 0 (Cloudflare's cache.put: the last to complete replaces).
        foreach (var i in new[] { 1, 2, 0 })
        {
            await using (writers[i])
            {
                Assert.True(await writers[i].CommitAsync());
            }

            var entry = await store.GetAsync(key);
            Assert.NotNull(entry);
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), entry.Metadata.GetHeader("X-Writer"));
            Assert.Equal(StoreTestData.Body(200 + i, 20_000), await StoreTestData.ReadBodyAsync(entry));
        }
    }

    [Fact]
    public async Task Body_stays_readable_after_the_entry_is_replaced()
    {
        var store = NewStore();
        var key = "https://example.com/a";
        var original = StoreTestData.Body(1, 300_000);
        await StoreTestData.PutAsync(store, StoreTestData.Metadata(key), original);
        var entry = await store.GetAsync(key);
        Assert.NotNull(entry);

        await StoreTestData.PutAsync(store, StoreTestData.Metadata(key), StoreTestData.Body(2, 10));
        await store.DeleteAsync(key);

        Assert.Equal(original, await StoreTestData.ReadBodyAsync(entry));
    }

    protected ICacheStore NewStore(long sizeLimit = DefaultSize, long? maxObjectSize = null)
    {
        var store = Create(sizeLimit, maxObjectSize ?? sizeLimit / 2);
        _stores.Add(store);
        return store;
    }

    private async Task AssertEntryCountAsync(ICacheStore store, long expected)
    {
        if (CountsEntries)
        {
            Assert.Equal(expected, (await SettledStatisticsAsync(store)).Entries);
        }
    }

    /// <summary>Checks that a store keeping files left no temporary or unreferenced file behind.</summary>
    protected virtual Task AssertNoLeftoverFilesAsync() => Task.CompletedTask;

    /// <summary>Waits until the store's own bookkeeping caught up with the writes it accepted (a disk tier's write-behind).</summary>
    protected virtual Task SettleAsync() => Task.CompletedTask;

    private async Task<StoreStatistics> SettledStatisticsAsync(ICacheStore store)
    {
        await SettleAsync();
        return store.GetStatistics();
    }
}
