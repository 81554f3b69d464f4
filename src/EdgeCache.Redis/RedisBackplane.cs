using EdgeCache.Storage;
using StackExchange.Redis;

namespace EdgeCache.Redis;

/// <summary>
/// The invalidation backplane over Redis: deletes are published on one channel (pub/sub, fire and forget);
/// purges are first appended to a purge log in Redis (a numbered list under one hash tag, with an epoch that
/// changes if Redis loses it) and then published. Each node applies the others' messages to its local tiers
/// (its own are recognised by node id and ignored) and keeps its position in the log, so a message it missed
/// (a reconnect, a master restart, a process that was down) is applied from the log: on a sequence gap, on
/// reconnect, at start and on a poll of the log's head every <see cref="RedisTierOptions.PurgeLogPollInterval"/>.
/// </summary>
/// <remarks>
/// When the log cannot prove the node missed nothing (its epoch changed: Redis lost it; or the node is further
/// behind than the log keeps; or a node whose tiers persist has no checkpoint), the node purges every local
/// entry: a cold cache, never purged content. See docs/redis.md.
/// </remarks>
public sealed class RedisBackplane : ICacheInvalidationBackplane
{
    private readonly RedisConnection _connection;
    private readonly RedisKeys _keys;
    private readonly PurgeLog _purgeLog;
    private readonly PurgeLogCheckpoint _checkpoint;
    private readonly CancellationTokenSource _stopping = new();

    // Serialises everything that moves the position: applying a logged purge, catching up, resetting.
    private readonly SemaphoreSlim _log = new(1, 1);
    private readonly PurgeLogLease _lease;
    private readonly RecentPurges _recent;
    private readonly PurgeAcknowledgements _acks;
    private ICacheStore? _local;
    private Task _subscribing = Task.CompletedTask;
    private Guid _epoch;
    private long _position;

    // Completed, and replaced, each time the position moves: what a purge waits on for this node to reach it.
    private TaskCompletionSource _advanced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;
    private long _received;
    private long _applied;
    private long _resets;

    /// <summary>Creates a backplane over a connection.</summary>
    public RedisBackplane(RedisConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        _keys = new RedisKeys(connection.Options.KeyPrefix);
        _purgeLog = new PurgeLog(_keys, connection.Options.PurgeLogLength);
        _checkpoint = new PurgeLogCheckpoint(connection.Options.PurgeLogCheckpointPath, connection.Logger);
        _lease = new PurgeLogLease(connection.Time, connection.Options.PurgeLogLease);
        _recent = new RecentPurges(connection.Options.PurgeLogLength);
        _acks = new PurgeAcknowledgements(connection, _keys);
    }

    /// <summary>
    /// Whether this node may serve its local tiers now: it proved, less than <see cref="RedisTierOptions.PurgeLogLease"/>
    /// ago, that it had applied every purge in the log. False from start until it has caught up, and while Redis or the
    /// log cannot be read.
    /// </summary>
    internal bool LocalTiersCurrent => _lease.Holds;

    /// <summary>Whether <see cref="Start"/> was called (the node keeps a position in the purge log).</summary>
    internal bool IsStarted => Volatile.Read(ref _local) is not null;

    /// <summary>The purges this node knows by their place in the log: what Redis entries are checked against.</summary>
    internal RecentPurges Recent => _recent;

    /// <summary>The epoch and position a write records when it begins (every purge up to it is applied here).</summary>
    internal (Guid Epoch, long Position) Position => (_epoch, Interlocked.Read(ref _position));

    /// <summary>For tests: runs before a logged purge from the channel is applied (a message held up on its way).</summary>
    internal Func<long, Task>? LoggedMessageFault { get; set; }

    /// <summary>Whether the node is subscribed now.</summary>
    public bool IsSubscribed { get; private set; }

    /// <summary>Whether the node has read the purge log since it started (it knows its position).</summary>
    public bool IsCaughtUp => Volatile.Read(ref _position) > 0 || _epoch != Guid.Empty;

    /// <summary>Messages from other nodes applied to the local store so far (from the channel or the log).</summary>
    public long Applied => Interlocked.Read(ref _applied);

    /// <summary>Messages received so far, this node's own included.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>The last purge-log sequence number this node's local tiers are known to reflect.</summary>
    public long PurgeLogPosition => Interlocked.Read(ref _position);

    /// <summary>Times the node purged every local entry because the purge log could not prove it missed nothing.</summary>
    public long PurgeLogResets => Interlocked.Read(ref _resets);

    /// <inheritdoc />
    public async ValueTask<bool> PublishAsync(CacheInvalidation invalidation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invalidation);
        var message = InvalidationMessage.Encode(_connection.NodeId, invalidation);
        var channel = _keys.InvalidationChannel;
        if (invalidation.Purge is null)
        {
            var receivers = await _connection.ExecuteAsync(
                "publish", db => db.PublishAsync(channel, message), -1L, _connection.Options.OperationTimeout, cancellationToken).ConfigureAwait(false);
            return receivers >= 0;
        }

        // Durable first: once in the log, every node applies it, whatever happens to the message below.
        var deadline = _connection.Time.GetTimestamp();
        var options = _connection.Options;
        var attemptTimeout = options.OperationTimeout > TimeSpan.FromSeconds(1) ? options.OperationTimeout : TimeSpan.FromSeconds(1);
        (Guid Epoch, long Sequence) appended = default;
        while (true)
        {
            appended = await _connection.ExecuteAsync(
                "purge log", db => _purgeLog.AppendAsync(db, message), default((Guid, long)), attemptTimeout, cancellationToken).ConfigureAwait(false);
            if (appended.Sequence > 0 || _connection.Time.GetElapsedTime(deadline) >= options.PurgeTimeout)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), _connection.Time, cancellationToken).ConfigureAwait(false);
        }

        if (appended.Sequence <= 0)
        {
            return false;
        }

        // This node applied it already (before asking Redis): Redis entries written before it are checked against it from now on.
        _recent.Record(appended.Epoch, appended.Sequence, invalidation.Purge);

        var logged = InvalidationMessage.EncodeLogged(appended.Epoch, appended.Sequence, message);

        // A lost message is found on the next poll of the log's head.
        await _connection.ExecuteAsync(
            "publish", db => db.PublishAsync(channel, logged), -1L, options.OperationTimeout, cancellationToken).ConfigureAwait(false);

        // The answer waits for the other nodes to have applied it (bounded): a request after the answer finds it applied everywhere.
        // And for this node to be past it: a write that begins after the answer records a position below the purge
        // otherwise, and reads back as purged.
        await Task.WhenAll(
            _acks.WaitAsync(appended.Epoch, appended.Sequence, cancellationToken),
            ReachAsync(appended.Epoch, appended.Sequence, cancellationToken)).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Moves this node to its own purge <paramref name="sequence"/> when it is the next one (it applied it before
    /// asking Redis), or else waits, up to <see cref="RedisTierOptions.PurgeAckTimeout"/>, until the channel or the log
    /// brings it there. Its own message would do the same later; a write between the two would be taken for purged.
    /// </summary>
    private async Task ReachAsync(Guid epoch, long sequence, CancellationToken cancellationToken)
    {
        if (!IsStarted)
        {
            return; // keeps no position: its writes record none
        }

        await _log.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_epoch == epoch && _position == sequence - 1)
            {
                Advance(epoch, sequence);
                return;
            }
        }
        finally
        {
            _log.Release();
        }

        var timeout = _connection.Options.PurgeAckTimeout;
        var started = _connection.Time.GetTimestamp();
        while (true)
        {
            var advanced = Volatile.Read(ref _advanced).Task;
            if ((_epoch == epoch && Interlocked.Read(ref _position) >= sequence) || (_epoch != epoch && _epoch != Guid.Empty))
            {
                return; // there, or on to a newer epoch (a reset that purged everything)
            }

            var left = timeout - _connection.Time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                return;
            }

            try
            {
                await advanced.WaitAsync(left, _connection.Time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return;
            }
        }
    }

    /// <inheritdoc />
    public void Start(ICacheStore localStore)
    {
        ArgumentNullException.ThrowIfNull(localStore);
        if (Interlocked.CompareExchange(ref _local, localStore, null) is not null)
        {
            throw new InvalidOperationException("The backplane is already started.");
        }

        _subscribing = Task.Run(() => RunAsync(_stopping.Token));
    }

    /// <summary>Waits until the subscription is in place (for startup and tests).</summary>
    public async Task<bool> WaitUntilSubscribedAsync(TimeSpan timeout)
    {
        var start = _connection.Time.GetTimestamp();
        while (!(IsSubscribed && IsCaughtUp) && _connection.Time.GetElapsedTime(start) < timeout)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), _connection.Time).ConfigureAwait(false);
        }

        return IsSubscribed && IsCaughtUp;
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

        // Stopping cleanly: purges need not wait for this node any more.
        await _acks.WithdrawAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);

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

        // An apply still holding the log lock finishes against a cancelled token; the lock is not disposed under it.
        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        ConnectionMultiplexer? multiplexer;
        while ((multiplexer = _connection.Multiplexer) is null)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), _connection.Time, stopping).ConfigureAwait(false);
        }

        multiplexer.ConnectionRestored += OnConnectionRestored;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await multiplexer.GetSubscriber().SubscribeAsync(_keys.InvalidationChannel, OnMessage).ConfigureAwait(false);
                IsSubscribed = true;
                break;
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                RedisLog.OperationFailed(_connection.Logger, "subscribe", exception);
                await Task.Delay(TimeSpan.FromMilliseconds(500), _connection.Time, stopping).ConfigureAwait(false);
            }
        }

        // Subscribed first, then the log: a purge is either in what is read or arrives as a message after.
        var suspended = false; // (a node that just started is not suspended: it has not served anything local yet)
        while (!stopping.IsCancellationRequested)
        {
            var sent = _connection.Time.GetTimestamp();
            switch (await ReadHeadAsync(stopping).ConfigureAwait(false))
            {
                case true:
                    _lease.Prove(sent);
                    _ = _acks.ReportAsync(_epoch, Interlocked.Read(ref _position), LogReadTimeout); // the heartbeat purges look for
                    break;
                case false:
                    await CatchUpAsync(stopping).ConfigureAwait(false);
                    break;
                default:
                    break; // unreadable now: the lease runs out unless the next poll reads it
            }

            suspended = _lease.NoteChange(suspended, _connection.Logger);
            await Task.Delay(_connection.Options.PurgeLogPollInterval, _connection.Time, stopping).ConfigureAwait(false);
        }
    }

    /// <summary>The purge log's reads: off the request path, not stopped by an open breaker, bounded well inside the lease.</summary>
    private TimeSpan LogReadTimeout => TimeSpan.FromTicks(Math.Min(Math.Max(_connection.Options.OperationTimeout.Ticks, _connection.Options.PurgeLogLease.Ticks / 2), _connection.Options.PurgeTimeout.Ticks));

    /// <summary>Whether the log's head is where this node is; null when it cannot be read now.</summary>
    private async Task<bool?> ReadHeadAsync(CancellationToken stopping)
    {
        var head = await _connection.ExecuteAsync(
            "purge log", async db => (RedisValue[]?)await db.HashGetAsync(_keys.PurgeLogHead, RedisKeys.PurgeLogHeadFields).ConfigureAwait(false), null, LogReadTimeout, stopping, bypassBreaker: true).ConfigureAwait(false);
        if (head is null)
        {
            return null;
        }

        return PurgeLog.ReadEpoch(head[0]) == _epoch && _epoch != Guid.Empty && (head[1].IsNull ? 0 : (long)head[1]) == Interlocked.Read(ref _position);
    }

    private void OnMessage(RedisChannel channel, RedisValue message)
    {
        Interlocked.Increment(ref _received);
        if (_local is not { } local)
        {
            return;
        }

        var bytes = (ReadOnlyMemory<byte>)message;
        if (InvalidationMessage.TryDecodeLogged(bytes.Span, out var epoch, out var sequence))
        {
            _ = ApplyLoggedAsync(local, epoch, sequence, bytes[InvalidationMessage.LoggedHeaderLength..]);
            return;
        }

        if (!InvalidationMessage.TryDecode(bytes.Span, out var nodeId, out var invalidation) || nodeId == _connection.NodeId)
        {
            return;
        }

        _ = ApplyAsync(local, invalidation!);
    }

    /// <summary>The next purge in the log is applied as it comes; anything else (a gap, a new epoch) is a catch-up from the log.</summary>
    private async Task ApplyLoggedAsync(ICacheStore local, Guid epoch, long sequence, ReadOnlyMemory<byte> message)
    {
        var stopping = _stopping.Token;
        try
        {
            if (LoggedMessageFault is { } fault)
            {
                await fault(sequence).ConfigureAwait(false);
            }

            await _log.WaitAsync(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            if (epoch == _epoch && sequence <= _position)
            {
                return; // a catch-up applied it already
            }

            if (epoch == _epoch && sequence == _position + 1)
            {
                await ApplyEntryAsync(local, epoch, sequence, message).ConfigureAwait(false);
                Advance(epoch, sequence);
                return;
            }

            await CatchUpLockedAsync(local, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            _log.Release();
        }
    }

    private async Task CatchUpAsync(CancellationToken stopping)
    {
        if (_local is not { } local)
        {
            return;
        }

        await _log.WaitAsync(stopping).ConfigureAwait(false);
        try
        {
            await CatchUpLockedAsync(local, stopping).ConfigureAwait(false);
        }
        finally
        {
            _log.Release();
        }
    }

    private async Task CatchUpLockedAsync(ICacheStore local, CancellationToken stopping)
    {
        var sent = _connection.Time.GetTimestamp();
        var snapshot = await _connection.ExecuteAsync("purge log", _purgeLog.ReadAsync, null, _connection.Options.PurgeTimeout, stopping, bypassBreaker: true).ConfigureAwait(false);
        if (snapshot is not { Epoch: var epoch, Sequence: var head, Entries: var entries } || epoch == Guid.Empty)
        {
            return; // Redis is unavailable: the next poll tries again
        }

        await ApplySnapshotAsync(local, epoch, head, entries, stopping).ConfigureAwait(false);

        // Every purge logged before the read was sent is applied now (the read was one transaction).
        _lease.Prove(sent);
    }

    private async Task ApplySnapshotAsync(ICacheStore local, Guid epoch, long head, RedisValue[] entries, CancellationToken stopping)
    {
        var options = _connection.Options;
        var first = head - entries.Length + 1;
        _recent.KnowAfter(epoch, first - 1);
        for (var i = 0; i < entries.Length; i++)
        {
            if (InvalidationMessage.TryDecode(((byte[])entries[i]!).AsSpan(), out _, out var logged) && logged!.Purge is { } purge)
            {
                _recent.Record(epoch, first + i, purge);
            }
        }

        if (_epoch == Guid.Empty)
        {
            // Just started: where the checkpoint says, else (tiers that start empty) at the head.
            if (_checkpoint.Read() is { } checkpoint)
            {
                (_epoch, _position) = checkpoint;
            }
            else if (options.PurgeLogCheckpointPath is null)
            {
                Advance(epoch, head);
                return;
            }
            else
            {
                await ResetAsync(local, "no checkpoint for a store that outlives the process", epoch, head, stopping).ConfigureAwait(false);
                return;
            }
        }

        if (epoch != _epoch)
        {
            await ResetAsync(local, "Redis lost the purge log (its epoch changed)", epoch, head, stopping).ConfigureAwait(false);
            return;
        }

        if (head < _position || _position + 1 < first)
        {
            await ResetAsync(local, head < _position ? "the purge log went back" : "further behind than the purge log keeps", epoch, head, stopping).ConfigureAwait(false);
            return;
        }

        var caughtUp = 0;
        for (var i = (int)(_position + 1 - first); i < entries.Length; i++)
        {
            if (await ApplyEntryAsync(local, epoch, first + i, (byte[])entries[i]!).ConfigureAwait(false))
            {
                caughtUp++;
            }
        }

        if (caughtUp > 0)
        {
            RedisLog.PurgeLogCaughtUp(_connection.Logger, caughtUp, head);
        }

        Advance(epoch, head);
    }

    /// <summary>Applies one logged message unless it is this node's own; true when it was applied.</summary>
    private async Task<bool> ApplyEntryAsync(ICacheStore local, Guid epoch, long sequence, ReadOnlyMemory<byte> message)
    {
        if (!InvalidationMessage.TryDecode(message.Span, out var nodeId, out var invalidation))
        {
            return false;
        }

        if (invalidation!.Purge is { } purge)
        {
            _recent.Record(epoch, sequence, purge);
        }

        if (nodeId == _connection.NodeId)
        {
            return false;
        }

        await ApplyAsync(local, invalidation!).ConfigureAwait(false);
        return true;
    }

    private async Task ResetAsync(ICacheStore local, string reason, Guid epoch, long head, CancellationToken stopping)
    {
        RedisLog.PurgeLogReset(_connection.Logger, reason);
        try
        {
            await local.PurgeAsync(PurgeRequest.Everything, stopping).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException and not OutOfMemoryException)
        {
            RedisLog.InvalidationFailed(_connection.Logger, exception);
        }

        // Counted once the local purge has run, so a reader that sees the count also sees the tiers emptied.
        Interlocked.Increment(ref _resets);

        Advance(epoch, head);
    }

    private void Advance(Guid epoch, long position)
    {
        _epoch = epoch;
        Interlocked.Exchange(ref _position, position);
        Interlocked.Exchange(ref _advanced, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        _checkpoint.Write(epoch, position);
        _ = _acks.ReportAsync(epoch, position, LogReadTimeout);
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

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        // What pub/sub dropped while the connection was down is in the log.
        RedisLog.ConnectionRestored(_connection.Logger, e.EndPoint?.ToString());
        _ = Task.Run(async () =>
        {
            try
            {
                await CatchUpAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
        });
    }
}
