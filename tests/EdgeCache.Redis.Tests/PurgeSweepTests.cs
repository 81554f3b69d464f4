using EdgeCache.Storage;

namespace EdgeCache.Redis.Tests;

/// <summary>The sweep: a purge is applied once more a moment later, for what a fill in flight elsewhere stored in Redis meanwhile.</summary>
public sealed class PurgeSweepTests
{
    [Fact]
    public async Task Old_body_another_node_committed_to_redis_after_the_purge_is_removed_by_the_sweep()
    {
        var prefix = Entries.Prefix();
        var tier = new RedisTier(new RedisTierOptions
        {
            Configuration = GarnetHost.Shared.Configuration,
            KeyPrefix = prefix,
            OperationTimeout = TimeSpan.FromSeconds(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PurgeSweepDelay = TimeSpan.FromSeconds(2),
        });
        Assert.True(await tier.Connection.WaitForConnectionAsync(TimeSpan.FromSeconds(10)));
        await using var store = new SharedTierStore(new MemoryStore(), tier);
        Assert.True(await Entries.PutAsync(store, "https://example.com/news", "old", "news"));

        await store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "news"));
        Assert.Null(await store.GetAsync("https://example.com/news"));

        // Fault injection: another node's fill began before the purge and reached Redis before it heard of it.
        Assert.True(await Entries.PutAsync(tier.Store, "https://example.com/news", "old", "news"));

        // The raw key, not a read: a read may already hide the old body (its purge-log position can predate the
        // purge), and must not be what removes it before the sweep does.
        var entryKey = prefix + "e:{" + RedisKeys.Id("https://example.com/news") + "}";
        var redis = tier.Connection.Multiplexer!.GetDatabase();
        Assert.True(await redis.KeyExistsAsync(entryKey));

        await store.WhenSweptAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(await redis.KeyExistsAsync(entryKey));
        Assert.Null(await tier.Store.GetAsync("https://example.com/news"));
        Assert.Null(await store.GetAsync("https://example.com/news"));
    }
}
