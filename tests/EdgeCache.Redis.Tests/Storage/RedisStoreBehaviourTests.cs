using EdgeCache.Storage;
using EdgeCache.Tests.Storage;

namespace EdgeCache.Redis.Tests.Storage;

/// <summary>The store behaviour suite (the one memory, disk and tiered run) over the Redis tier.</summary>
public sealed class RedisStoreBehaviourTests : StoreBehaviourTests
{
    private readonly List<RedisTier> _tiers = [];

    /// <summary>The Redis tier's budget is its server's <c>maxmemory</c>: the suite's byte budget does not apply.</summary>
    protected override bool EnforcesByteBudget => false;

    /// <summary>Entries live in the Redis server: the tier counts hits and misses, not entries.</summary>
    protected override bool CountsEntries => false;

    protected override ICacheStore Create(long sizeLimit, long maxObjectSize)
    {
        var tier = SuiteRedisTier.Connect(Time, maxObjectSize);
        _tiers.Add(tier);
        return tier.Store;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var tier in _tiers)
        {
            await tier.DisposeAsync();
        }
    }
}
