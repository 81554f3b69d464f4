using EdgeCache.Storage;

namespace EdgeCache.Redis;

/// <summary>One invalidation sent between nodes: a delete of one key, or a purge.</summary>
public sealed record CacheInvalidation
{
    private CacheInvalidation(string? key, PurgeRequest? purge)
    {
        Key = key;
        Purge = purge;
    }

    /// <summary>The deleted key, for a delete; otherwise <see langword="null"/>.</summary>
    public string? Key { get; }

    /// <summary>The purge, for a purge; otherwise <see langword="null"/>.</summary>
    public PurgeRequest? Purge { get; }

    /// <summary>A delete of one key.</summary>
    public static CacheInvalidation Delete(string key) => new(key ?? throw new ArgumentNullException(nameof(key)), null);

    /// <summary>A purge.</summary>
    public static CacheInvalidation ForPurge(PurgeRequest purge) => new(null, purge ?? throw new ArgumentNullException(nameof(purge)));

    /// <summary>Applies the invalidation to a store.</summary>
    public async ValueTask ApplyToAsync(ICacheStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (Key is not null)
        {
            await store.DeleteAsync(Key, cancellationToken).ConfigureAwait(false);
        }
        else if (Purge is not null)
        {
            await store.PurgeAsync(Purge, cancellationToken).ConfigureAwait(false);
        }
    }
}
