using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// The script's <c>console</c> lines on their way to the <see cref="ILogger"/>: the loop only queues a line; the
/// lines are logged in order, in batches, on the thread pool, once <see cref="BatchSize"/> lines are waiting or
/// the first has waited 20 ms (looked at after each turn, and while the loop sleeps). One logged line at a time from the loop's thread woke the console
/// logger's thread for every line (about 1.1 wake-ups and 13-19 us of that thread per request of the reference
/// example, against 0.23 and 3 us for the C# handler, whose requests log from two threads at once), and its
/// formatting ran on the loop, which is the worker's bottleneck. A filtered level costs one check.
/// </summary>
internal sealed class ConsoleLog
{
    /// <summary>Lines after which a batch is logged even while the loop is busy.</summary>
    public const int BatchSize = 32;

    // ... and the longest a line waits while the loop stays busy.
    private static readonly long MaxDelay = Stopwatch.Frequency / 50;

    private readonly ILogger _logger;
    private readonly ConcurrentQueue<(LogLevel Level, string Line)> _lines = new();
    private readonly object _flushing = new();
    private int _queued;
    private long _firstQueuedAt;
    private int _scheduled;

    public ConsoleLog(ILogger logger) => _logger = logger;

    /// <summary>Queues a line (loop thread); a level the logger filters out is dropped here.</summary>
    public void Write(LogLevel level, string line)
    {
        if (!_logger.IsEnabled(level))
        {
            return;
        }

        _lines.Enqueue((level, line));
        if (++_queued == 1)
        {
            _firstQueuedAt = Stopwatch.GetTimestamp();
        }
        else if (_queued >= BatchSize)
        {
            Schedule();
        }
    }

    /// <summary>After each turn (loop thread): a batch whose first line has waited too long goes now.</summary>
    public void AfterTurn()
    {
        if (_queued > 0 && Stopwatch.GetTimestamp() - _firstQueuedAt > MaxDelay)
        {
            Schedule();
        }
    }

    /// <summary>
    /// When the loop runs out of work (and while it sleeps, every <see cref="EventLoop.LazyDelay"/>): a batch goes
    /// once it is due (<see cref="BatchSize"/> lines, or its first line older than 20 ms). Scheduling a batch
    /// each time the loop ran dry cost a thread-pool work item, often a pool thread's wake-up, for every one or
    /// two requests of the reference example.
    /// </summary>
    public void OnIdle() => AfterTurn();

    /// <summary>Has the queued lines logged on the thread pool now.</summary>
    public void Schedule()
    {
        if (_queued == 0)
        {
            return;
        }

        _queued = 0;
        if (Interlocked.Exchange(ref _scheduled, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static log => log.FlushScheduled(), this, preferLocal: false);
        }
    }

    /// <summary>Logs every queued line now, in order (before the runtime's own messages, and at shutdown).</summary>
    public void Flush()
    {
        lock (_flushing)
        {
            while (_lines.TryDequeue(out var entry))
            {
                Log.Console(_logger, entry.Level, entry.Line);
            }
        }
    }

    private void FlushScheduled()
    {
        Volatile.Write(ref _scheduled, 0);
        Flush();
    }
}
