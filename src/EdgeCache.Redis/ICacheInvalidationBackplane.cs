using EdgeCache.Storage;

namespace EdgeCache.Redis;

/// <summary>
/// Carries deletes and purges between nodes, so every node drops entries from its local tiers
/// when any node invalidates them. A node never applies its own messages.
/// </summary>
public interface ICacheInvalidationBackplane : IAsyncDisposable
{
    /// <summary>
    /// Tells every other node about an invalidation. Returns whether it is sure to reach them (a purge: written
    /// to a log every node reads, even one that was away; a delete: sent). Never throws for a backplane failure.
    /// </summary>
    ValueTask<bool> PublishAsync(CacheInvalidation invalidation, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts applying other nodes' invalidations to <paramref name="localStore"/> (this node's local
    /// tiers, not the shared one). Returns at once; subscribing happens in the background and is
    /// restored after reconnects.
    /// </summary>
    void Start(ICacheStore localStore);
}
