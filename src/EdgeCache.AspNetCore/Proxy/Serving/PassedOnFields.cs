namespace EdgeCache.AspNetCore.Proxy;

/// <summary>Response fields meant for this cache that it passes on to clients anyway (by default or by setting).</summary>
[Flags]
internal enum PassedOnFields
{
    /// <summary>Every field meant for this cache stays here.</summary>
    None = 0,

    /// <summary><c>Cache-Tag</c> (<see cref="CachingProxyOptions.ExposeCacheTags"/>, for debugging).</summary>
    CacheTags = 1,

    /// <summary>The origin's <c>CDN-Cache-Control</c>, for downstream CDN caches (RFC 9213 section 3; <see cref="CachingProxyOptions.ForwardCdnCacheControl"/>).</summary>
    CdnCacheControl = 2,
}
