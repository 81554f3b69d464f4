using EdgeCache.Storage;

namespace EdgeCache.Tests.Storage;

/// <summary>The store behaviour suite over the memory tier.</summary>
public sealed class MemoryStoreBehaviourTests : StoreBehaviourTests
{
    protected override ICacheStore Create(long sizeLimit, long maxObjectSize)
        => new MemoryStore(new MemoryStoreOptions { SizeLimit = sizeLimit, MaxObjectSize = maxObjectSize }, Time);
}
