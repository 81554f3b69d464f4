using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace EdgeCache.Redis;

/// <summary>
/// One node's connection to Redis, shared by its <see cref="RedisStore"/>, <see cref="RedisBackplane"/>
/// and <see cref="RedisFillLock"/>. Every call goes through a circuit breaker and a per-call timeout,
/// so Redis being down, slow or flapping never fails or stalls a request: the caller gets its
/// fallback answer (miss, not stored) instead.
/// </summary>
/// <remarks>
/// Connecting happens in the background with <c>AbortOnConnectFail=false</c>: the client keeps
/// reconnecting by itself, and commands issued while disconnected fail at once rather than queue.
/// </remarks>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly Task<ConnectionMultiplexer?> _connecting;
    private readonly CircuitBreaker _breaker;
    private readonly ILogger _logger;
    private ConnectionMultiplexer? _multiplexer;
    private int _disposed;

    /// <summary>Starts connecting to Redis in the background.</summary>
    public RedisConnection(RedisTierOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        Time = timeProvider ?? TimeProvider.System;
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = LoggerFactory.CreateLogger("EdgeCache.Redis");
        _breaker = new CircuitBreaker(options.BreakerFailureThreshold, options.BreakerOpenDuration, Time);
        _breaker.StateChanged += (from, to) => RedisLog.BreakerChanged(_logger, from, to);
        _connecting = ConnectAsync();
    }

    /// <summary>The tier's settings.</summary>
    public RedisTierOptions Options { get; }

    /// <summary>This node's identity on the backplane.</summary>
    public Guid NodeId => Options.NodeId;

    /// <summary>Whether Redis is usable now: connected, and the circuit breaker not open.</summary>
    public bool IsAvailable => _multiplexer is { IsConnected: true } && _breaker.State != CircuitState.Open;

    /// <summary>The circuit breaker's state.</summary>
    public CircuitState BreakerState => _breaker.State;

    internal TimeProvider Time { get; }

    internal ILoggerFactory LoggerFactory { get; }

    internal ILogger Logger => _logger;

    /// <summary>The multiplexer once the first connection attempt finished; <see langword="null"/> before.</summary>
    internal ConnectionMultiplexer? Multiplexer => _multiplexer;

    /// <summary>Waits until the first connection attempt has finished (for startup and tests; requests never wait).</summary>
    public async Task<bool> WaitForConnectionAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        try
        {
            var multiplexer = await _connecting.WaitAsync(timeout, Time, cancellationToken).ConfigureAwait(false);
            if (multiplexer is null)
            {
                return false;
            }

            var start = Time.GetTimestamp();
            while (!multiplexer.IsConnected && Time.GetElapsedTime(start) < timeout)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), Time, cancellationToken).ConfigureAwait(false);
            }

            return multiplexer.IsConnected;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Runs one Redis call behind the breaker and a timeout. Returns <paramref name="fallback"/> at
    /// once when the breaker is open or not connected yet, and when the call fails or times out.
    /// </summary>
    internal ValueTask<T> ExecuteAsync<T>(
        string operation, Func<IDatabase, Task<T>> call, T fallback, TimeSpan timeout, CancellationToken cancellationToken)
        => ExecuteAsync(operation, call, fallback, timeout, cancellationToken, bypassBreaker: false);

    /// <summary>
    /// Runs one Redis call with a timeout; with <paramref name="bypassBreaker"/> also while the breaker is open, and
    /// without counting towards it. The purge log's reads take this way: they are off the request path, and a master
    /// restart that opens the breaker (entries on that master time out) must not stop a node from proving that it
    /// missed no purge (the log lives on one master, usually another).
    /// </summary>
    internal async ValueTask<T> ExecuteAsync<T>(
        string operation, Func<IDatabase, Task<T>> call, T fallback, TimeSpan timeout, CancellationToken cancellationToken, bool bypassBreaker)
    {
        if (bypassBreaker)
        {
            return _multiplexer is { } direct ? await ExecuteOutsideBreakerAsync(direct, operation, call, fallback, timeout, cancellationToken).ConfigureAwait(false) : fallback;
        }

        if (_multiplexer is not { } multiplexer || !_breaker.TryEnter())
        {
            return fallback;
        }

        Task<T> task;
        try
        {
            task = call(multiplexer.GetDatabase());
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            _breaker.RecordFailure();
            RedisLog.OperationFailed(_logger, operation, exception);
            return fallback;
        }

        try
        {
            var result = await task.WaitAsync(timeout, Time, cancellationToken).ConfigureAwait(false);
            _breaker.RecordSuccess();
            return result;
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            Observe(task);
            _breaker.RecordFailure();
            RedisLog.OperationTimedOut(_logger, operation, timeout.TotalMilliseconds);
            return fallback;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Observe(task);
            _breaker.Abandon();
            throw;
        }
        catch (Exception exception)
        {
            _breaker.RecordFailure();
            RedisLog.OperationFailed(_logger, operation, exception);
            return fallback;
        }
    }

    private async ValueTask<T> ExecuteOutsideBreakerAsync<T>(
        ConnectionMultiplexer multiplexer, string operation, Func<IDatabase, Task<T>> call, T fallback, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task<T> task;
        try
        {
            task = call(multiplexer.GetDatabase());
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            RedisLog.OperationFailed(_logger, operation, exception);
            return fallback;
        }

        try
        {
            return await task.WaitAsync(timeout, Time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            Observe(task);
            RedisLog.OperationTimedOut(_logger, operation, timeout.TotalMilliseconds);
            return fallback;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Observe(task);
            throw;
        }
        catch (Exception exception)
        {
            RedisLog.OperationFailed(_logger, operation, exception);
            return fallback;
        }
    }

    /// <summary>The primaries to walk for a cross-slot scan (every master of a cluster, or the one server).</summary>
    internal IServer[] GetPrimaries()
    {
        if (_multiplexer is not { } multiplexer)
        {
            return [];
        }

        var servers = multiplexer.GetServers();
        var primaries = new List<IServer>(servers.Length);
        foreach (var server in servers)
        {
            if (!server.IsReplica)
            {
                primaries.Add(server);
            }
        }

        return [.. primaries];
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        var multiplexer = await _connecting.ConfigureAwait(false);
        if (multiplexer is not null)
        {
            await multiplexer.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
            await multiplexer.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One round trip before the connection is handed out: the first call on a cold process pays for
    /// JIT and handshakes, which would otherwise blow the first request's timeout and count against the breaker.
    /// </summary>
    private static async Task WarmUpAsync(ConnectionMultiplexer multiplexer)
    {
        if (!multiplexer.IsConnected)
        {
            return;
        }

        try
        {
            var db = multiplexer.GetDatabase();
            await db.PingAsync().ConfigureAwait(false);
            await db.HashGetAsync("edgecache:warmup", RedisKeys.EntryFields).ConfigureAwait(false);
        }
        catch (RedisException)
        {
            // Only a warm-up: the breaker deals with a server that is really failing.
        }
    }

    private static void Observe(Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    private async Task<ConnectionMultiplexer?> ConnectAsync()
    {
        await Task.Yield();
        try
        {
            var configuration = ConfigurationOptions.Parse(Options.Configuration);
            configuration.AbortOnConnectFail = false;
            configuration.BacklogPolicy = BacklogPolicy.FailFast;
            configuration.ConnectTimeout = (int)Options.ConnectTimeout.TotalMilliseconds;
            configuration.ClientName ??= "edgecache";
            configuration.ConnectRetry = 1;
            configuration.ReconnectRetryPolicy ??= new LinearRetry(500);
            var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
            multiplexer.ConnectionFailed += (_, e) => RedisLog.ConnectionLost(_logger, e.FailureType.ToString(), e.EndPoint?.ToString());
            await WarmUpAsync(multiplexer).ConfigureAwait(false);
            _multiplexer = multiplexer;
            return multiplexer;
        }
        catch (Exception exception)
        {
            RedisLog.ConnectFailed(_logger, exception);
            return null;
        }
    }
}
