using EdgeCache.AspNetCore.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeCache.AspNetCore;

/// <summary>Maps the purge API of the <c>edgecache</c> server's admin listener into an application (opt-in).</summary>
public static class EdgeCacheAdminEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>POST {prefix}/purge_cache</c>, Cloudflare's purge API (<c>{"files": [...]}</c>,
    /// <c>tags</c>, <c>prefixes</c>, <c>hosts</c>, <c>{"purge_everything": true}</c>, plus <c>"soft": true</c>),
    /// answered in Cloudflare's envelope (<c>{"success": true, "result": {"id": ..., "purged": N}}</c>).
    /// The server's token rules apply: with <see cref="EdgeCacheAdminOptions.Token"/> set a caller must send
    /// it as a bearer token; without one only loopback callers are allowed. Bad bodies get a 400 naming the
    /// problem; bodies over 4 MB a 413. Returns the route group, for more conventions (authorization, rate limits).
    /// </summary>
    public static RouteGroupBuilder MapEdgeCacheAdmin(this IEndpointRouteBuilder endpoints, string prefix = "/__edgecache", Action<EdgeCacheAdminOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        var options = new EdgeCacheAdminOptions();
        configure?.Invoke(options);
        var purger = endpoints.ServiceProvider.GetRequiredService<IEdgeCachePurger>();
        var logger = endpoints.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeCache.Admin");
        var authorization = new AdminAuthorization(options.Token);

        var group = endpoints.MapGroup(prefix);
        Func<HttpContext, Task<IResult>> purge = context => PurgeEndpoint.HandleAsync(
            context,
            authorization,
            (requests, cancellationToken) => purger.PurgeAsync(requests, cancellationToken),
            logger);
        group.MapPost("/purge_cache", purge);
        return group;
    }
}
