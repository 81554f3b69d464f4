using EdgeCache.Storage;

namespace EdgeCache.Tests.Storage;

/// <summary>The store behaviour suite over memory on top of disk.</summary>
public sealed class TieredStoreBehaviourTests : StoreBehaviourTests
{
    private DiskStore? _disk;

    protected override ICacheStore Create(long sizeLimit, long maxObjectSize)
    {
        _disk = DiskStore.Open(
            new DiskStoreOptions { DataDirectory = Path.Combine(DataDirectory, Guid.NewGuid().ToString("N")), SizeLimit = sizeLimit, MaxObjectSize = maxObjectSize },
            Time);
        var memory = new MemoryStore(new MemoryStoreOptions { SizeLimit = sizeLimit, MaxObjectSize = maxObjectSize }, Time);
        return new TieredStore(memory, _disk);
    }

    protected override Task AssertNoLeftoverFilesAsync() => DiskAssert.NoLeftoverFilesAsync(_disk!);

    protected override Task SettleAsync() => _disk!.FlushAsync();
}
