namespace EdgeCache.AspNetCore.Proxy;

/// <summary>Where a request goes and the key its response is cached under.</summary>
/// <param name="OriginUri">The origin URL of the request (origin scheme and authority, the request's path and query).</param>
/// <param name="Key">The cache key: scheme, host, path and query; empty when the request cannot be cached.</param>
/// <param name="HostHeader">The Host to send, or null to use the origin's.</param>
internal sealed record ProxyTarget(Uri OriginUri, string Key, string? HostHeader);
