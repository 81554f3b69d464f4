using EdgeCache.Storage;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Tests.Storage;

/// <summary>
/// A purge the disk tier's index cannot apply (on a full disk SQLite has no room for its journal) is never
/// a silent success: the purge says it is incomplete, what it selects is not served while it stays unapplied,
/// and maintenance applies it once the disk has room again.
/// </summary>
public sealed class DiskStorePurgeFailureTests : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "edgecache-tests", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(StoreTestData.Epoch);
    private readonly DiskStoreOptions _options;
    private readonly DiskStore _disk;
    private bool _diskFull;

    public DiskStorePurgeFailureTests()
    {
        _options = new DiskStoreOptions
        {
            DataDirectory = _directory,
            BeforeIndexPurge = () =>
            {
                if (_diskFull)
                {
                    throw new IOException("database or disk is full");
                }
            },
        };
        _disk = DiskStore.Open(_options, _time);
    }

    [Fact]
    public async Task A_purge_the_index_cannot_apply_is_incomplete_and_hides_what_it_selects_until_maintenance_applies_it()
    {
        await PutAsync("https://a.example/p/1", "product");
        await PutAsync("https://a.example/q", "other");
        await _disk.FlushAsync();

        _diskFull = true;
        var incomplete = await Assert.ThrowsAsync<PurgeIncompleteException>(async () => await _disk.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "product")));
        Assert.Contains("disk is full", incomplete.Message, StringComparison.Ordinal);

        Assert.Null(await _disk.GetAsync("https://a.example/p/1"));
        Assert.NotNull(await _disk.GetAsync("https://a.example/q"));

        // Stored after the purge: not what it selected.
        _time.Advance(TimeSpan.FromSeconds(1));
        await PutAsync("https://a.example/p/2", "product");
        Assert.NotNull(await _disk.GetAsync("https://a.example/p/2"));

        // Still full: maintenance fails to apply it and keeps hiding.
        _disk.Maintain();
        Assert.Null(await _disk.GetAsync("https://a.example/p/1"));

        _diskFull = false;
        _disk.Maintain();
        await _disk.FlushAsync();
        Assert.Null(await _disk.GetAsync("https://a.example/p/1"));
        Assert.NotNull(await _disk.GetAsync("https://a.example/p/2"));
        Assert.Equal(2, _disk.GetStatistics().Entries);
    }

    [Fact]
    public async Task Over_memory_the_tiered_store_purges_memory_too_and_reports_the_purge_incomplete()
    {
        var memory = new MemoryStore(new MemoryStoreOptions(), _time);
        var tiered = new TieredStore(memory, _disk);
        Assert.True(await StoreTestData.PutAsync(tiered, StoreTestData.Metadata("https://a.example/p/1", tags: ["product"], now: _time.GetUtcNow()), StoreTestData.Body(1, 100)));
        Assert.NotNull(await memory.GetAsync("https://a.example/p/1"));

        _diskFull = true;
        var incomplete = await Assert.ThrowsAsync<PurgeIncompleteException>(async () => await tiered.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "product")));

        Assert.Equal(1, incomplete.Purged);
        Assert.Null(await memory.GetAsync("https://a.example/p/1"));
        Assert.Null(await tiered.GetAsync("https://a.example/p/1"));
    }

    public async ValueTask DisposeAsync()
    {
        _diskFull = false;
        await _disk.DisposeAsync();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private async Task PutAsync(string url, string tag)
        => Assert.True(await StoreTestData.PutAsync(_disk, StoreTestData.Metadata(url, tags: [tag], now: _time.GetUtcNow()), StoreTestData.Body(url.Length, 100)));
}
