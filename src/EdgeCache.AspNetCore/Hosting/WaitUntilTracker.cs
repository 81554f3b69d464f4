using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCache.AspNetCore.Hosting;

/// <summary>
/// Keeps the work handed to <see cref="FetchEvent.WaitUntil"/>: it outlives the response, its
/// failures are logged and never reach the client, and shutdown waits for it (after Kestrel has
/// finished its in-flight requests) up to <see cref="EdgeCacheOptions.WaitUntilDrainTimeout"/>.
/// </summary>
public sealed partial class WaitUntilTracker : IHostedLifecycleService
{
    private readonly Lock _sync = new();
    private readonly ILogger<WaitUntilTracker> _logger;
    private readonly TimeSpan _drainTimeout;
    private int _pending;
    private TaskCompletionSource? _drained;

    /// <summary>Creates the tracker.</summary>
    public WaitUntilTracker(ILogger<WaitUntilTracker> logger, IOptions<EdgeCacheOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger;
        _drainTimeout = options.Value.WaitUntilDrainTimeout;
    }

    /// <summary>Work started and not yet finished.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Tracks a task until it ends.</summary>
    public void Track(Task work)
    {
        ArgumentNullException.ThrowIfNull(work);
        Begin();
        _ = ObserveAsync(work);
    }

    /// <summary>
    /// Counts work that reports its own end (<see cref="End"/>, exactly once, after this): for work started on every
    /// request (the proxy's fills), which would otherwise keep a frame of <see cref="Track"/>'s on the heap while it runs.
    /// </summary>
    internal void Begin() => Interlocked.Increment(ref _pending);

    /// <summary>Work counted by <see cref="Begin"/> ended, with what escaped it (logged as a tracked task's failure is).</summary>
    internal void End(Exception? escaped)
    {
        if (escaped is not null)
        {
            LogFailure(escaped);
        }

        Ended();
    }

    /// <summary>Waits until no tracked work is pending, or the token fires.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_sync)
            {
                if (_pending == 0)
                {
                    return;
                }

                _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _drained.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ObserveAsync(Task work)
    {
        try
        {
            await work.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogFailure(ex);
        }
        finally
        {
            Ended();
        }
    }

    private void LogFailure(Exception ex)
    {
        LogWorkFailed(_logger, ex.GetType().Name, ex.Message);
        LogWorkFailedDetail(_logger, ex);
    }

    private void Ended()
    {
        if (Interlocked.Decrement(ref _pending) == 0)
        {
            TaskCompletionSource? drained;
            lock (_sync)
            {
                drained = _drained;
                _drained = null;
            }

            drained?.TrySetResult();
        }
    }

    Task IHostedService.StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    Task IHostedService.StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    Task IHostedLifecycleService.StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    Task IHostedLifecycleService.StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    Task IHostedLifecycleService.StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    async Task IHostedLifecycleService.StoppedAsync(CancellationToken cancellationToken)
    {
        if (Pending == 0)
        {
            return;
        }

        LogDraining(_logger, Pending);
        using var timeout = new CancellationTokenSource(_drainTimeout);
        try
        {
            await DrainAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            LogDrainTimedOut(_logger, Pending, _drainTimeout.TotalSeconds);
        }
    }

    [LoggerMessage(301, LogLevel.Warning, "waitUntil work failed ({Type}: {Message}); the response was not affected")]
    private static partial void LogWorkFailed(ILogger logger, string type, string message);

    [LoggerMessage(304, LogLevel.Debug, "waitUntil work failed")]
    private static partial void LogWorkFailedDetail(ILogger logger, Exception exception);

    [LoggerMessage(302, LogLevel.Information, "Shutting down: waiting for {Pending} waitUntil tasks")]
    private static partial void LogDraining(ILogger logger, int pending);

    [LoggerMessage(303, LogLevel.Warning, "Shutdown drain timed out after {Seconds} s with {Pending} waitUntil tasks still pending")]
    private static partial void LogDrainTimedOut(ILogger logger, int pending, double seconds);
}
