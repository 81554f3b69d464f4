using EdgeCache.Storage;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Tests.Storage;

/// <summary>
/// A second hit below is copied up into memory. A write or delete of the key committed while that copy is under way
/// wins: the copy is older than what the store now holds and must not land in memory over it; so does a purge that
/// selects it.
/// </summary>
public sealed class TieredStorePromotionTests : IAsyncLifetime
{
    private const string Url = "https://example.com/promoted";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "edgecache-tests", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(StoreTestData.Epoch);
    private TieredStore _tiered = null!;
    private SlowReadStore _lower = null!;

    public async Task InitializeAsync()
    {
        var disk = DiskStore.Open(new DiskStoreOptions { DataDirectory = _directory, SizeLimit = 64 * 1024 * 1024 }, _time);
        Assert.True(await StoreTestData.PutAsync(disk, StoreTestData.Metadata(Url), StoreTestData.Body(1, 100_000)));
        _lower = new SlowReadStore(disk);
        _tiered = new TieredStore(new MemoryStore(new MemoryStoreOptions { SizeLimit = 8 * 1024 * 1024 }, _time), _lower);
    }

    public async Task DisposeAsync()
    {
        _lower.Release();
        await _tiered.DisposeAsync();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_write_committed_while_an_older_copy_is_promoted_is_what_memory_serves_afterwards()
    {
        await FirstHitBelowAsync();
        var promotingRead = _tiered.GetAsync(Url).AsTask(); // found below only, a second time: copied up, held at its first read
        await _lower.ReadStarted.WaitAsync(TimeSpan.FromSeconds(10));

        var newer = StoreTestData.Body(2, 100_000);
        Assert.True(await StoreTestData.PutAsync(_tiered, StoreTestData.Metadata(Url), newer));
        _lower.Release();
        var old = await promotingRead.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(old); // the reader that started first still gets the copy it found

        var entry = await _tiered.GetAsync(Url);
        Assert.NotNull(entry);
        Assert.Equal(newer, await StoreTestData.ReadBodyAsync(entry));
        Assert.Equal(0, _tiered.PromotionsInFlight);
    }

    [Fact]
    public async Task A_delete_committed_while_a_copy_is_promoted_is_not_undone_by_it()
    {
        await FirstHitBelowAsync();
        var promotingRead = _tiered.GetAsync(Url).AsTask();
        await _lower.ReadStarted.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(await _tiered.DeleteAsync(Url));
        _lower.Release();
        await promotingRead.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Null(await _tiered.GetAsync(Url));
        Assert.Equal(0, _tiered.PromotionsInFlight);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_purge_after_the_first_hit_below_keeps_the_second_from_promoting_the_purged_copy(bool soft)
    {
        await FirstHitBelowAsync();
        var promotingRead = _tiered.GetAsync(Url).AsTask();
        await _lower.ReadStarted.WaitAsync(TimeSpan.FromSeconds(10));

        await _tiered.PurgeAsync(new PurgeRequest(PurgeKind.Url, Url, soft));
        _lower.Release();
        Assert.NotNull(await promotingRead.WaitAsync(TimeSpan.FromSeconds(10))); // the reader that started first still gets the copy it found

        Assert.Null(await _tiered.Memory.GetAsync(Url));
        Assert.Equal(0, _tiered.PromotionsInFlight);
    }

    [Fact]
    public async Task The_first_hit_below_is_served_from_below_without_reading_its_body_for_a_copy()
    {
        await FirstHitBelowAsync();

        Assert.False(_lower.ReadStarted.IsCompleted);
        Assert.Equal(0, _tiered.PromotionsInFlight);
    }

    // The default policy promotes on the second hit below: the first only marks the key (and reads no body, so the
    // stalled lower tier does not hold it; bounded all the same, so a first hit that does copy fails instead of hanging).
    private async Task FirstHitBelowAsync()
    {
        Assert.NotNull(await _tiered.GetAsync(Url).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Null(await _tiered.Memory.GetAsync(Url));
    }

    /// <summary>A real disk tier whose bodies stall at their first read until released (fault injection: a slow disk).</summary>
    private sealed class SlowReadStore(ICacheStore inner) : ICacheStore
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _readStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task ReadStarted => _readStarted.Task;

        public string Name => inner.Name;

        public void Release() => _release.TrySetResult();

        public async ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
            => await inner.GetAsync(key, cancellationToken) is { } entry ? new SlowEntry(entry, this) : null;

        public ValueTask<ICacheEntryWriter?> BeginWriteAsync(EntryMetadata metadata, CancellationToken cancellationToken = default) => inner.BeginWriteAsync(metadata, cancellationToken);

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        public ValueTask<long> PurgeAsync(PurgeRequest purge, CancellationToken cancellationToken = default) => inner.PurgeAsync(purge, cancellationToken);

        public StoreStatistics GetStatistics() => inner.GetStatistics();

        public ValueTask DisposeAsync() => inner.DisposeAsync();

        private sealed class SlowEntry(CacheEntry inner, SlowReadStore owner) : CacheEntry(inner.Metadata)
        {
            public override Stream OpenBody() => new SlowStream(inner.OpenBody(), owner);
        }

        private sealed class SlowStream(Stream inner, SlowReadStore owner) : Stream
        {
            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => inner.Length;

            public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

            public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            {
                owner._readStarted.TrySetResult();
                await owner._release.Task.WaitAsync(cancellationToken);
                return await inner.ReadAsync(buffer, cancellationToken);
            }

            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("read asynchronously");

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    inner.Dispose();
                }

                base.Dispose(disposing);
            }
        }
    }
}
