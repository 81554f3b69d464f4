using EdgeCache.AspNetCore.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCache.AspNetCore.Proxy;

/// <summary>Maps the RFC 9111 caching reverse proxy ("CDN mode").</summary>
public static class CachingProxyEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Answers every request (any method, any path) as a shared HTTP cache in front of the origin,
    /// over the store registered by <see cref="EdgeCacheServiceCollectionExtensions.AddEdgeCache"/>
    /// (the same store and key space as <see cref="CacheStorage.Default"/>).
    /// </summary>
    /// <param name="endpoints">The application's endpoints.</param>
    /// <param name="options">The proxy's options; when <see cref="CachingProxyOptions.Origin"/> is null, <see cref="EdgeCacheOptions.Origin"/> is used.</param>
    public static IEndpointConventionBuilder MapCachingProxy(this IEndpointRouteBuilder endpoints, CachingProxyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        options ??= new CachingProxyOptions();
        if (options.Origin is null)
        {
            var origin = services.GetRequiredService<IOptions<EdgeCacheOptions>>().Value.Origin
                ?? throw new InvalidOperationException("MapCachingProxy needs an origin: set CachingProxyOptions.Origin or EdgeCacheOptions.Origin.");
            options = options with { Origin = origin };
        }

        var tracker = services.GetRequiredService<WaitUntilTracker>();
        var proxy = new CachingProxy(
            options,
            services.GetRequiredService<ICacheStore>(),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILoggerFactory>().CreateLogger(ProxyLog.Category),
            tracker);
        services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(proxy.Dispose);
        return endpoints.Map("/{**path}", proxy.InvokeAsync);
    }
}
