using EdgeCache.Storage;

namespace EdgeCache.Redis.Tests;

/// <summary>
/// One cache node of a test: a local memory store and the node's <see cref="RedisTier"/> (the Redis
/// store, the backplane applying other nodes' invalidations to the local store, and the fill lock).
/// </summary>
public sealed class TestNode : IAsyncDisposable
{
    private readonly RedisTier _tier;

    private TestNode(RedisTier tier, MemoryStore? local)
    {
        _tier = tier;
        Local = local ?? new MemoryStore();
    }

    public RedisConnection Connection => _tier.Connection;

    /// <summary>The node's local tier; a test that restarts a node passes the same one again, as a disk tier would survive.</summary>
    public MemoryStore Local { get; }

    public RedisBackplane Backplane => _tier.Backplane;

    public RedisStore Store => _tier.Store;

    public RedisFillLock FillLock => _tier.FillLock;

    /// <summary>
    /// Connects a node and waits for it to be subscribed; fails (never skips) when the server is unreachable.
    /// Timeouts are generous: these tests check behaviour, not latency, on a busy machine.
    /// </summary>
    public static async Task<TestNode> StartAsync(
        string configuration, string prefix, Func<RedisTierOptions, RedisTierOptions>? configure = null, MemoryStore? local = null)
    {
        var options = new RedisTierOptions
        {
            Configuration = configuration,
            KeyPrefix = prefix,
            OperationTimeout = TimeSpan.FromSeconds(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        options = configure?.Invoke(options) ?? options;
        var node = new TestNode(new RedisTier(options), local);
        Assert.True(await node.Connection.WaitForConnectionAsync(TimeSpan.FromSeconds(10)), $"Redis at {configuration} is unreachable");
        node.Backplane.Start(node.Local);
        Assert.True(await node.Backplane.WaitUntilSubscribedAsync(TimeSpan.FromSeconds(10)), "the backplane did not subscribe and read the purge log");
        return node;
    }

    public ValueTask DisposeAsync() => _tier.DisposeAsync();
}
