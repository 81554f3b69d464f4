using EdgeCache.Redis;
using EdgeCache.Storage;

namespace EdgeCache.Server;

/// <summary>Creates the store that <c>--store</c> names, with the shared Redis tier in front when <c>--redis</c> is given.</summary>
internal static class StoreFactory
{
    public static ICacheStore Create(ServerSettings settings, IServiceProvider services)
    {
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var memory = new MemoryStoreOptions
        {
            SizeLimit = settings.MemorySizeBytes,
        };
        ICacheStore local = new MemoryStore(memory, time);
        if (services.GetService<RedisTier>() is { } redis)
        {
            return new SharedTierStore(local, redis);
        }

        return local;
    }

    /// <summary>The Redis tier for <c>--redis</c>, or null when it is not configured.</summary>
    public static RedisTier? CreateRedisTier(ServerSettings settings, IServiceProvider services)
    {
        if (string.IsNullOrWhiteSpace(settings.Redis))
        {
            return null;
        }

        var options = new RedisTierOptions
        {
            Configuration = settings.Redis,
            OperationTimeout = TimeSpan.FromMilliseconds(Math.Max(1, settings.RedisTimeoutMs)),
        };
        return new RedisTier(options, services.GetService<ILoggerFactory>(), services.GetService<TimeProvider>() ?? TimeProvider.System);
    }
}
