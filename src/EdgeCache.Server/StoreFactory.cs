using EdgeCache.Storage;

namespace EdgeCache.Server;

/// <summary>Creates the store that <c>--store</c> names: memory, disk, or memory over disk (tiered).</summary>
internal static class StoreFactory
{
    /// <summary>Creates the store. Throws <see cref="SettingsException"/> when the disk tier cannot open <c>--data-dir</c>.</summary>
    public static ICacheStore Create(ServerSettings settings, IServiceProvider services)
    {
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeCache.Storage");
        return settings.Store switch
        {
            "memory" => CreateMemory(settings, time),
            "disk" => OpenDisk(settings, time, logger),
            _ => new TieredStore(CreateMemory(settings, time), OpenDisk(settings, time, logger), logger),
        };
    }

    private static MemoryStore CreateMemory(ServerSettings settings, TimeProvider time)
        => new(new MemoryStoreOptions { SizeLimit = settings.MemorySizeBytes }, time);

    private static DiskStore OpenDisk(ServerSettings settings, TimeProvider time, ILogger logger)
    {
        var options = new DiskStoreOptions
        {
            DataDirectory = settings.DataDir,
            SizeLimit = settings.DiskSizeBytes,

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
