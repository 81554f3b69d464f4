using EdgeCache.Storage;

namespace EdgeCache.Tests.Storage;

/// <summary>The store behaviour suite over the disk tier.</summary>
public sealed class DiskStoreBehaviourTests : StoreBehaviourTests
{
    private DiskStore? _last;

    protected override ICacheStore Create(long sizeLimit, long maxObjectSize)
        => _last = DiskStore.Open(
            new DiskStoreOptions { DataDirectory = Path.Combine(DataDirectory, Guid.NewGuid().ToString("N")), SizeLimit = sizeLimit, MaxObjectSize = maxObjectSize },
            Time);

    protected override Task AssertNoLeftoverFilesAsync() => DiskAssert.NoLeftoverFilesAsync(_last!);

    protected override Task SettleAsync() => _last!.FlushAsync();
}
