using EdgeCache.Storage;

namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>
/// A memory store whose writers wait at commit until <see cref="Release"/>: a slow store (a shared tier over the
/// network) made deterministic, so a test can send requests while a fill has its whole body but is not yet stored.
/// </summary>
internal sealed class CommitHoldingStore(ICacheStore inner) : ICacheStore
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name => inner.Name;

    /// <summary>Lets every held commit (and every later one) go through.</summary>
    public void Release() => _release.TrySetResult();

    public ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

    public async ValueTask<ICacheEntryWriter?> BeginWriteAsync(EntryMetadata metadata, CancellationToken cancellationToken = default)
        => await inner.BeginWriteAsync(metadata, cancellationToken).ConfigureAwait(false) is { } writer ? new HeldWriter(writer, _release.Task) : null;

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

    public ValueTask<long> PurgeAsync(PurgeRequest purge, CancellationToken cancellationToken = default) => inner.PurgeAsync(purge, cancellationToken);

    public StoreStatistics GetStatistics() => inner.GetStatistics();

    public async ValueTask DisposeAsync()
    {
        Release();
        await inner.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class HeldWriter(ICacheEntryWriter inner, Task released) : ICacheEntryWriter
    {
        public ValueTask<bool> WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) => inner.WriteAsync(data, cancellationToken);

        public async ValueTask<bool> CommitAsync(CancellationToken cancellationToken = default)
        {
            await released.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            return await inner.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
