namespace EdgeCache.Storage;

/// <summary>
/// The storage contract every tier implements. A store only stores: bytes and metadata under a
/// key, with atomic publish, delete and purge. It knows nothing of HTTP rules; expiry is the
/// <see cref="EntryMetadata.ExpiresAt"/> it is given.
/// </summary>
/// <remarks>
/// A store never throws for its own failures on the request path: a broken or full store answers
/// "not found" on reads and "not stored" on writes, and logs why.
/// </remarks>
public interface ICacheStore : IAsyncDisposable
{
    /// <summary>The tier's name, for metrics and logs.</summary>
    string Name { get; }

    /// <summary>Finds the entry stored under <paramref name="key"/>, or <see langword="null"/>. Entries past their <see cref="EntryMetadata.ExpiresAt"/> are not returned.</summary>
    ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts writing an entry. Returns <see langword="null"/> when the store declines it up front
    /// (for example a known length above its object limit).
    /// </summary>
    ValueTask<ICacheEntryWriter?> BeginWriteAsync(EntryMetadata metadata, CancellationToken cancellationToken = default);

    /// <summary>Removes the entry under <paramref name="key"/>; <see langword="true"/> if there was one.</summary>
    ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Removes (or, for a soft purge, marks stale) the entries a purge selects; returns how many.</summary>
    ValueTask<long> PurgeAsync(PurgeRequest purge, CancellationToken cancellationToken = default);

    /// <summary>A snapshot of the store's counters.</summary>
    StoreStatistics GetStatistics();
}
