using Microsoft.Extensions.Logging;

namespace EdgeCache.Redis;

/// <summary>
/// Everything one node needs to share a cache through Redis, over one connection: the
/// <see cref="Store"/> (the shared tier), the <see cref="Backplane"/> (invalidations between nodes)
/// and the <see cref="FillLock"/> (cross-node request collapsing).
/// </summary>
public sealed class RedisTier : IAsyncDisposable
{
    private int _disposed;

    /// <summary>Starts connecting (in the background) and builds the parts.</summary>
    public RedisTier(RedisTierOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        Connection = new RedisConnection(options, loggerFactory, timeProvider);
        Backplane = new RedisBackplane(Connection);
        Store = new RedisStore(Connection, Backplane);
        FillLock = new RedisFillLock(Connection);
    }

    /// <summary>The connection, its breaker and <see cref="RedisConnection.IsAvailable"/>.</summary>
    public RedisConnection Connection { get; }

    /// <summary>The shared tier.</summary>
    public RedisStore Store { get; }

    /// <summary>The invalidation backplane; start it with the node's local tiers.</summary>
    public RedisBackplane Backplane { get; }

    /// <summary>Cross-node request collapsing.</summary>
    public RedisFillLock FillLock { get; }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Backplane.DisposeAsync().ConfigureAwait(false);
        await Store.DisposeAsync().ConfigureAwait(false);
        await Connection.DisposeAsync().ConfigureAwait(false);
    }
}
