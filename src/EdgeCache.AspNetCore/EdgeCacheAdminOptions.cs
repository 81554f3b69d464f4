namespace EdgeCache.AspNetCore;

/// <summary>Options of <see cref="EdgeCacheAdminEndpointRouteBuilderExtensions.MapEdgeCacheAdmin"/>.</summary>
public sealed class EdgeCacheAdminOptions
{
    /// <summary>
    /// The bearer token callers must send (<c>Authorization: Bearer &lt;token&gt;</c>), compared in
    /// constant time. Without one, only callers on a loopback address are allowed, and not requests a local
    /// reverse proxy forwarded (<c>Forwarded</c>, <c>X-Forwarded-For</c>, <c>X-Real-IP</c>). Default: none.
    /// </summary>
    public string? Token { get; set; }
}
