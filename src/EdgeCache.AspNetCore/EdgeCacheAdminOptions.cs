namespace EdgeCache.AspNetCore;

/// <summary>Options of <see cref="EdgeCacheAdminEndpointRouteBuilderExtensions.MapEdgeCacheAdmin"/>.</summary>
public sealed class EdgeCacheAdminOptions
{
    /// <summary>
    /// The bearer token callers must send (<c>Authorization: Bearer &lt;token&gt;</c>), compared in
    /// constant time. Without one, only callers on a loopback address are allowed. Default: none.
    /// </summary>
    public string? Token { get; set; }
}
