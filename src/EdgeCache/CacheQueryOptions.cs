namespace EdgeCache;

/// <summary>Options of <see cref="Cache.MatchAsync(HttpRequestMessage, CacheQueryOptions?, CancellationToken)"/> and <see cref="Cache.DeleteAsync(HttpRequestMessage, CacheQueryOptions?, CancellationToken)"/>.</summary>
/// <remarks>
/// Only <c>ignoreMethod</c> exists: Cloudflare does not implement <c>ignoreSearch</c>, <c>ignoreVary</c>
/// or <c>cacheName</c>. Strip the query string or fold headers into the key URL yourself.
/// </remarks>
public sealed record CacheQueryOptions
{
    /// <summary>Treat the key request as a GET whatever its method. Default <see langword="false"/>.</summary>
    public bool IgnoreMethod { get; init; }
}
