using EdgeCache.AspNetCore.Hosting;
using EdgeCache.AspNetCore.Origin;
using EdgeCache.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCache.AspNetCore;

/// <summary>Registers EdgeCache in an ASP.NET Core application.</summary>
public static class EdgeCacheServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Cache API (<see cref="CacheStorage"/>), the purge API (<see cref="IEdgeCachePurger"/>),
    /// the origin client and the <c>waitUntil</c> tracker. Register your own <see cref="ICacheStore"/> first to replace the default memory store.
    /// </summary>
    public static IServiceCollection AddEdgeCache(this IServiceCollection services, Action<EdgeCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<EdgeCacheOptions>();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.Validate(
            static o =>
            {
                o.Validate();
                return true;
            },
            "EdgeCache options are invalid.").ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ICacheStore>(static sp => new PurgeFencedStore(
            new MemoryStore(sp.GetRequiredService<IOptions<EdgeCacheOptions>>().Value.MemoryStore, sp.GetRequiredService<TimeProvider>())));
        services.TryAddSingleton(static sp => new CacheStorage(
            sp.GetRequiredService<ICacheStore>(),
            sp.GetRequiredService<IOptions<EdgeCacheOptions>>().Value.Cache,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<CacheStorage>>()));
        services.TryAddSingleton<IEdgeCachePurger, EdgeCachePurger>();
        services.TryAddSingleton<OriginClient>();
        services.TryAddSingleton<WaitUntilTracker>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WaitUntilTracker>(static sp => sp.GetRequiredService<WaitUntilTracker>()));
        return services;
    }
}
