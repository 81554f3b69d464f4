namespace EdgeCache.AspNetCore;

/// <summary>
/// What the cache did for the current request, in <see cref="Microsoft.AspNetCore.Http.HttpContext.Features"/>:
/// set by the caching proxy and by the worker bridge, read by metrics, the access log and the status page
/// (and by your own middleware after <c>await next()</c>). Absent when no EdgeCache component answered.
/// </summary>
public interface IEdgeCacheFeature
{
    /// <summary>The cache status of the response.</summary>
    EdgeCacheStatus Status { get; }

    /// <summary>The store key the request was looked up under, when the caching proxy answered it; otherwise <see langword="null"/>.</summary>
    string? Key { get; }
}
