namespace EdgeCache.Storage;

/// <summary>
/// An optional capability for caches shared by several nodes: a short per-key lock so that when N
/// nodes miss the same key, about one asks the origin while the others wait and then read the shared
/// store. Implementations fail open: when they cannot coordinate, every caller gets a lease.
/// </summary>
public interface ICacheFillCoordinator
{
    /// <summary>Returns a lease to fill <paramref name="key"/> under (dispose it when the entry is stored or the fill gave up), or <see langword="null"/> when another node is filling it.</summary>
    ValueTask<IAsyncDisposable?> TryAcquireAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Waits until the other node's fill of <paramref name="key"/> ends or <paramref name="maxWait"/> passes.</summary>
    ValueTask WaitAsync(string key, TimeSpan maxWait, CancellationToken cancellationToken = default);
}
