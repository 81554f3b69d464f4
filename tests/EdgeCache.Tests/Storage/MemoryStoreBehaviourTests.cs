using EdgeCache.Storage;

namespace EdgeCache.Tests.Storage;

/// <summary>The store behaviour suite over the memory tier.</summary>
public sealed class MemoryStoreBehaviourTests : StoreBehaviourTests
{
    protected override ICacheStore Create(long sizeLimit, long maxObjectSize)
        => new MemoryStore(new MemoryStoreOptions { SizeLimit = sizeLimit, MaxObjectSize = maxObjectSize }, Time);
}

/// <summary>The store behaviour suite over the memory tier with most bodies in memory files (from 4 KB).</summary>
public sealed class MemoryStoreFileBodyBehaviourTests : StoreBehaviourTests
{
    protected override ICacheStore Create(long sizeLimit, long maxObjectSize)
        => new MemoryStore(new MemoryStoreOptions { SizeLimit = sizeLimit, MaxObjectSize = maxObjectSize, FileBodyThreshold = MemoryStoreOptions.MinFileBodyThreshold }, Time);
}

/// <summary>The store behaviour suite over the memory tier with memory files off (every body in an array).</summary>
public sealed class MemoryStoreArrayBehaviourTests : StoreBehaviourTests
{
    protected override ICacheStore Create(long sizeLimit, long maxObjectSize)
        => new MemoryStore(new MemoryStoreOptions { SizeLimit = sizeLimit, MaxObjectSize = maxObjectSize, FileBodyThreshold = 0 }, Time);
}
