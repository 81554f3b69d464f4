using EdgeCache.Redis;
using EdgeCache.Server.Settings;
using EdgeCache.Storage;

namespace EdgeCache.Server.Hosting;

/// <summary>
/// Creates the store that <c>--store</c> names: memory, disk, or memory over disk (tiered); with
/// <c>--redis</c>, the shared Redis tier sits below the local tiers (memory -> disk -> redis).
/// </summary>
internal static class StoreFactory
{
    /// <summary>Creates the store. Throws <see cref="SettingsException"/> when the disk tier cannot open <c>--data-dir</c>.</summary>
    public static ICacheStore Create(ServerSettings settings, IServiceProvider services)
    {
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeCache.Storage");
        // Every store is purge-fenced (the tiered store fences itself; the shared tier fences what it holds).
        ICacheStore local = settings.Store switch
        {
            "memory" => new PurgeFencedStore(CreateMemory(settings, time, services, tiered: false)),
            "disk" => new PurgeFencedStore(OpenDisk(settings, time, logger)),
            _ => new TieredStore(CreateMemory(settings, time, services, tiered: true), OpenDisk(settings, time, logger), settings.TieredPromotionPolicy, logger),
        };

        return services.GetService<RedisTier>() is { } redis ? new SharedTierStore(local, redis) : local;
    }

    /// <summary>
    /// The start-up warm-up's throwaway store for <c>--store disk</c> or <c>tiered</c>, of that kind so the same writers
    /// are compiled: a disk tier in <paramref name="directory"/> (never the configured data directory), under a
    /// <paramref name="memoryBytes"/> memory tier for tiered. No Redis tier. (A memory warm-up uses the proxy's default store.)
    /// </summary>
    public static ICacheStore CreateWarmUpStore(ServerSettings settings, string directory, long memoryBytes, IServiceProvider services)
    {
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeCache.Storage");
        MemoryStore Memory() => new(new MemoryStoreOptions
        {
            SizeLimit = memoryBytes,
            FileBodyThreshold = settings.MemoryFileThresholdBytes,
            MaxObjectSize = settings.MemoryMaxObjectBytes(tiered: true) is { } max ? Math.Min(max, memoryBytes) : null,
        }, time);
        DiskStore Disk() => DiskStore.Open(new DiskStoreOptions
        {
            DataDirectory = directory,
            SizeLimit = WarmUpDiskBytes,
            WriteQueueBytes = Math.Clamp(settings.DiskWriteQueueBytes, DiskStoreOptions.MinWriteQueueBytes, WarmUpDiskBytes / 4),
            MaxObjectSize = WarmUpDiskBytes / 4,
        }, time, logger);
        return settings.Store == "disk" ? new PurgeFencedStore(Disk()) : new TieredStore(Memory(), Disk(), settings.TieredPromotionPolicy, logger);
    }

    // The warm-up's disk tier: about sixteen thousand 1 KB entries, so a quiet machine's warm-up (some 50,000 misses) runs its eviction too.
    private const long WarmUpDiskBytes = 16L * 1024 * 1024;

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

            // A disk tier outlives the process: on restart the node applies the purges it missed while down.
            PurgeLogCheckpointPath = settings.Store == "memory" ? null : Path.Combine(Path.GetFullPath(settings.DataDir), "purge-log.position"),
        };
        return new RedisTier(options, services.GetService<ILoggerFactory>(), services.GetService<TimeProvider>() ?? TimeProvider.System);
    }

    private static MemoryStore CreateMemory(ServerSettings settings, TimeProvider time, IServiceProvider services, bool tiered)
        => new(new MemoryStoreOptions
        {
            SizeLimit = settings.MemorySizeBytes,
            FileBodyThreshold = settings.MemoryFileThresholdBytes,
            MaxObjectSize = settings.MemoryMaxObjectBytes(tiered),
            InFlightBudget = services.GetService<InFlightBodyBudget>(),
        }, time);

    private static DiskStore OpenDisk(ServerSettings settings, TimeProvider time, ILogger logger)
    {
        var options = new DiskStoreOptions
        {
            DataDirectory = settings.DataDir,
            SizeLimit = settings.DiskSizeBytes,
            WriteQueueBytes = settings.DiskWriteQueueBytes,
            LookupCacheSize = settings.DiskLookupCacheSize,

            // The disk tier takes anything the cache would store, up to its whole budget.
            MaxObjectSize = Math.Min(settings.MaxObjectSizeBytes, settings.DiskSizeBytes),
        };
        try
        {
            return DiskStore.Open(options, time, logger);
        }
        catch (IOException ex)
        {
            throw new SettingsException([$"--data-dir (EdgeCache:DataDir): {ex.Message}"]);
        }
    }
}
