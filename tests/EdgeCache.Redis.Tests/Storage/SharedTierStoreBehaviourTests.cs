using EdgeCache.Storage;
using EdgeCache.Tests.Storage;

namespace EdgeCache.Redis.Tests.Storage;

/// <summary>The store behaviour suite over the shared tier: a node's memory store in front of Redis.</summary>
public sealed class SharedTierStoreBehaviourTests : StoreBehaviourTests
{
    /// <summary>The memory tier keeps the budget; Redis behind it keeps what its server's <c>maxmemory</c> allows.</summary>
    protected override bool EnforcesByteBudget => false;

    /// <remarks>The shared tier store owns (and disposes) its Redis tier.</remarks>
    protected override ICacheStore Create(long sizeLimit, long maxObjectSize)
    {
        var tier = SuiteRedisTier.Connect(Time, maxObjectSize);
        var store = new SharedTierStore(new MemoryStore(new MemoryStoreOptions { SizeLimit = sizeLimit, MaxObjectSize = maxObjectSize }, Time), tier);
        SuiteRedisTier.WaitUntilCaughtUp(tier);
        return store;
    }
}
