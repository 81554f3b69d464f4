using EdgeCache.Storage;

namespace EdgeCache.Redis.Tests;

/// <summary>
/// One cache node of a test: a local memory store, the Redis store, the backplane applying other
/// nodes' invalidations to the local store, and the fill lock; all over one connection.
/// </summary>
public sealed class TestNode : IAsyncDisposable
{
    private TestNode(RedisConnection connection)
    {
        Connection = connection;
        Local = new MemoryStore();
        Backplane = new RedisBackplane(connection);
        Store = new RedisStore(connection, Backplane);
        FillLock = new RedisFillLock(connection);
    }

    public RedisConnection Connection { get; }

    public MemoryStore Local { get; }

    public RedisBackplane Backplane { get; }

    public RedisStore Store { get; }

    public RedisFillLock FillLock { get; }

    /// <summary>
    /// Connects a node and waits for it to be subscribed; fails (never skips) when the server is unreachable.
    /// Timeouts are generous: these tests check behaviour, not latency, on a busy machine.
    /// </summary>
    public static async Task<TestNode> StartAsync(
        string configuration, string prefix, Func<RedisTierOptions, RedisTierOptions>? configure = null)
    {
        var options = new RedisTierOptions
        {
            Configuration = configuration,
            KeyPrefix = prefix,
            OperationTimeout = TimeSpan.FromSeconds(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        options = configure?.Invoke(options) ?? options;
        var connection = new RedisConnection(options);
        var node = new TestNode(connection);
        Assert.True(await connection.WaitForConnectionAsync(TimeSpan.FromSeconds(10)), $"Redis at {configuration} is unreachable");
        node.Backplane.Start(node.Local);
        Assert.True(await node.Backplane.WaitUntilSubscribedAsync(TimeSpan.FromSeconds(10)), "the backplane did not subscribe");
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        await Backplane.DisposeAsync();
        await Store.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
