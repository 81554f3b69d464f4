using System.Text;
using EdgeCache.Storage;
using StackExchange.Redis;

namespace EdgeCache.Redis;

/// <summary>
/// The invalidation backplane over Redis pub/sub: deletes and purges are published on one channel;
/// each node applies the others' messages to its local tiers (its own are recognised by node id
/// and ignored). Pub/sub delivery takes about a network round trip, well inside 100 ms.
/// </summary>
/// <remarks>
/// Reconnect rule: pub/sub is fire-and-forget, so a node that lost its connection may have missed
/// invalidations. When the connection comes back after a loss, the node soft-purges everything in
/// its local tiers: every local entry becomes stale, so it is revalidated (a cheap conditional
/// request when unchanged) before it is served fresh again, yet can still serve under
/// stale-if-error if the origin is down. See docs/redis.md.
/// </remarks>
public sealed class RedisBackplane : ICacheInvalidationBackplane
{
    private const byte Version = 1;
    private const byte DeleteOperation = 0;
    private const byte PurgeOperation = 1;
    private const int HeaderLength = 1 + 16 + 1 + 1 + 1;

    private readonly RedisConnection _connection;
    private readonly RedisKeys _keys;
    private readonly CancellationTokenSource _stopping = new();
    private ICacheStore? _local;
    private Task _subscribing = Task.CompletedTask;
    private int _connectionLost;
    private int _disposed;
    private long _received;
    private long _applied;
    private long _reconnectPurges;

    /// <summary>Creates a backplane over a connection.</summary>
    public RedisBackplane(RedisConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        _keys = new RedisKeys(connection.Options.KeyPrefix);
    }

    /// <summary>Whether the node is subscribed now.</summary>
    public bool IsSubscribed { get; private set; }

    /// <summary>Messages from other nodes applied to the local store so far.</summary>
    public long Applied => Interlocked.Read(ref _applied);

    /// <summary>Messages received so far, this node's own included.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Times the reconnect rule marked every local entry stale.</summary>
    public long ReconnectPurges => Interlocked.Read(ref _reconnectPurges);

    /// <inheritdoc />
    public async ValueTask PublishAsync(CacheInvalidation invalidation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invalidation);
        var message = Encode(_connection.NodeId, invalidation);
        var channel = _keys.InvalidationChannel;
        await _connection.ExecuteAsync(
            "publish", db => db.PublishAsync(channel, message), 0L, _connection.Options.OperationTimeout, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Start(ICacheStore localStore)
    {
        ArgumentNullException.ThrowIfNull(localStore);
        if (Interlocked.CompareExchange(ref _local, localStore, null) is not null)
        {
            throw new InvalidOperationException("The backplane is already started.");
        }

        _subscribing = Task.Run(() => SubscribeAsync(_stopping.Token));
    }

    /// <summary>Waits until the subscription is in place (for startup and tests).</summary>
    public async Task<bool> WaitUntilSubscribedAsync(TimeSpan timeout)
    {
        var start = _connection.Time.GetTimestamp();
        while (!IsSubscribed && _connection.Time.GetElapsedTime(start) < timeout)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), _connection.Time).ConfigureAwait(false);
        }

        return IsSubscribed;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _subscribing.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping while waiting for the connection.
        }

        if (IsSubscribed && _connection.Multiplexer is { } multiplexer)
        {
            try
            {
                await multiplexer.GetSubscriber().UnsubscribeAsync(_keys.InvalidationChannel).WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException or ObjectDisposedException)
            {
                // The connection is going away anyway.
            }
        }

        _stopping.Dispose();
    }

    internal static byte[] Encode(Guid nodeId, CacheInvalidation invalidation)
    {
        var value = invalidation.Key ?? invalidation.Purge!.Value;
        var message = new byte[HeaderLength + Encoding.UTF8.GetByteCount(value)];
        message[0] = Version;
        nodeId.TryWriteBytes(message.AsSpan(1, 16));
        message[17] = invalidation.Key is null ? PurgeOperation : DeleteOperation;
        message[18] = invalidation.Purge is { } purge ? (byte)purge.Kind : (byte)0;
        message[19] = invalidation.Purge is { Soft: true } ? (byte)1 : (byte)0;
        Encoding.UTF8.GetBytes(value, message.AsSpan(HeaderLength));
        return message;
    }

    internal static bool TryDecode(ReadOnlySpan<byte> message, out Guid nodeId, out CacheInvalidation? invalidation)
    {
        nodeId = default;
        invalidation = null;
        if (message.Length < HeaderLength || message[0] != Version || message[19] > 1 || !Enum.IsDefined((PurgeKind)message[18]))
        {
            return false;
        }

        nodeId = new Guid(message.Slice(1, 16));
        string value;
        try
        {
            value = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(message[HeaderLength..]);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        invalidation = message[17] switch
        {
            DeleteOperation => CacheInvalidation.Delete(value),
            PurgeOperation => CacheInvalidation.ForPurge(new PurgeRequest((PurgeKind)message[18], value, message[19] == 1)),
            _ => null,
        };
        return invalidation is not null;
    }

    private async Task SubscribeAsync(CancellationToken stopping)
    {
        ConnectionMultiplexer? multiplexer;
        while ((multiplexer = _connection.Multiplexer) is null)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), _connection.Time, stopping).ConfigureAwait(false);
        }

        multiplexer.ConnectionFailed += OnConnectionFailed;
        multiplexer.ConnectionRestored += OnConnectionRestored;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await multiplexer.GetSubscriber().SubscribeAsync(_keys.InvalidationChannel, OnMessage).ConfigureAwait(false);
                IsSubscribed = true;
                return;
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                RedisLog.OperationFailed(_connection.Logger, "subscribe", exception);
                await Task.Delay(TimeSpan.FromMilliseconds(500), _connection.Time, stopping).ConfigureAwait(false);
            }
        }
    }

    private void OnMessage(RedisChannel channel, RedisValue message)
    {
        Interlocked.Increment(ref _received);
        if (_local is not { } local
            || !TryDecode(((ReadOnlyMemory<byte>)message).Span, out var nodeId, out var invalidation)
            || nodeId == _connection.NodeId)
        {
            return;
        }

        _ = ApplyAsync(local, invalidation!);
    }

    private async Task ApplyAsync(ICacheStore local, CacheInvalidation invalidation)
    {
        try
        {
            await invalidation.ApplyToAsync(local, _stopping.Token).ConfigureAwait(false);
            Interlocked.Increment(ref _applied);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            RedisLog.InvalidationFailed(_connection.Logger, exception);
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e) => Volatile.Write(ref _connectionLost, 1);

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (Interlocked.Exchange(ref _connectionLost, 0) == 0 || _local is not { } local)
        {
            return;
        }

        RedisLog.ConnectionRestored(_connection.Logger, e.EndPoint?.ToString());
        Interlocked.Increment(ref _reconnectPurges);
        _ = ApplyAsync(local, CacheInvalidation.ForPurge(new PurgeRequest(PurgeKind.Everything, Soft: true)));
    }
}
