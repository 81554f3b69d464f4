using EdgeCache.Storage;

namespace EdgeCache.AspNetCore;

/// <summary>
/// Purges the cache the way Cloudflare's purge API does: by URL (<c>files</c>), tag, prefix, host, or
/// everything; <c>soft</c> marks entries stale (revalidated on next use) instead of removing them.
/// Registered by <see cref="EdgeCacheServiceCollectionExtensions.AddEdgeCache"/>; inject it where a
/// purge is needed, or expose it over HTTP with
/// <see cref="EdgeCacheAdminEndpointRouteBuilderExtensions.MapEdgeCacheAdmin"/>.
/// </summary>
/// <remarks>
/// Entries are stored under the key the worker used. <see cref="FetchEvent.Request"/> carries the
/// origin's URL, so a URL or prefix naming the public site (<see cref="FetchEvent.Url"/>) is purged as
/// given and also with its path and query mapped onto <see cref="EdgeCacheOptions.Origin"/>. A URL purge
/// reaches every named cache and every variant of the URL. Each method returns how many entries were
/// removed or marked stale. With a shared tier, a method returns once the purge is applied on this node
/// and written to the purge log every other node applies; when that cannot be done within the purge
/// timeout it throws <see cref="EdgeCache.Storage.PurgeIncompleteException"/> (applied here, not
/// known elsewhere: purge again).
/// </remarks>
public interface IEdgeCachePurger
{
    /// <summary>Purges exactly these URLs (absolute http or https).</summary>
    /// <exception cref="ArgumentException">A URL is not an absolute http(s) URL.</exception>
    Task<long> PurgeFilesAsync(IEnumerable<string> urls, bool soft = false, CancellationToken cancellationToken = default);

    /// <summary>Purges every entry carrying one of these tags (<c>Cache-Tag</c>, <c>CacheFetchOptions.CacheTags</c>); exact, case-sensitive.</summary>
    Task<long> PurgeTagsAsync(IEnumerable<string> tags, bool soft = false, CancellationToken cancellationToken = default);

    /// <summary>Purges every entry whose URL starts with one of these prefixes; without a scheme (<c>example.com/blog</c>) both http and https.</summary>
    Task<long> PurgePrefixesAsync(IEnumerable<string> prefixes, bool soft = false, CancellationToken cancellationToken = default);

    /// <summary>Purges every entry stored for one of these host names (case-insensitive).</summary>
    Task<long> PurgeHostsAsync(IEnumerable<string> hosts, bool soft = false, CancellationToken cancellationToken = default);

    /// <summary>Purges every entry.</summary>
    Task<long> PurgeEverythingAsync(bool soft = false, CancellationToken cancellationToken = default);

    /// <summary>Runs purge requests as they are given (after the same origin mapping as the other methods).</summary>
    Task<long> PurgeAsync(IEnumerable<PurgeRequest> requests, CancellationToken cancellationToken = default);
}
