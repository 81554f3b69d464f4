using EdgeCache.Storage;

namespace EdgeCache.Server;

/// <summary>Creates the store that <c>--store</c> names.</summary>
internal static class StoreFactory
{
    public static ICacheStore Create(ServerSettings settings, IServiceProvider services)
    {
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var memory = new MemoryStoreOptions
        {
            SizeLimit = settings.MemorySizeBytes,
        };
        return new MemoryStore(memory, time);
    }
}
