namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// The thread an engine runs on, and its queue of work: requests to start, I/O completions that resolve
/// promises, timers. Jint engines are single-threaded: one piece of work at a time touches one, either posted
/// here and run on the loop's thread, or run inline by its caller (<see cref="TryRunInline"/>) when the loop
/// is idle, which saves the hand-off to the loop's thread and back.
/// </summary>
internal sealed class EventLoop : IDisposable
{
    // Jint recurses on the native stack for nested JavaScript calls: give it room (the default is 1.5 MB).
    private const int StackSize = 16 * 1024 * 1024;

    // How many pieces of work a caller running inline runs before it leaves the rest to the loop's thread:
    // running what queued up meanwhile saves waking the loop, but holds the caller's own request back.
    private const int InlineBatch = 8;

    // A plain queue under a monitor rather than a BlockingCollection: its semaphore spins (sched_yield) before
    // it sleeps, which on a loaded 2-core machine burnt CPU the requests needed (seen in perf).
    private readonly Queue<Action> _queue = new();
    private readonly object _gate = new();
    private readonly Thread _thread;
    private readonly Action<Exception> _onUnhandled;
    private bool _completed;
    private bool _sleeping;

    // Work is running (on the loop's thread or inline on a caller's); the engine is taken.
    private bool _running;
    private Thread? _inlineThread;

    public EventLoop(string name, Action<Exception> onUnhandled)
    {
        _onUnhandled = onUnhandled;
        _thread = new Thread(Loop, StackSize) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>True on the loop's own thread.</summary>
    public bool IsCurrent => Thread.CurrentThread == _thread || Volatile.Read(ref _inlineThread) == Thread.CurrentThread;

    /// <summary>Queues work; false once the loop is shutting down.</summary>
    public bool Post(Action work)
    {
        lock (_gate)
        {
            if (_completed)
            {
                return false;
            }

            _queue.Enqueue(work);

            // Work running inline runs what is queued when it ends, or wakes the loop then.
            if (_sleeping && !_running)
            {
                Monitor.Pulse(_gate);
            }

            return true;
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> now on the calling thread when the loop is idle (no work running, none
    /// queued, so nothing posted earlier is overtaken); false, without running it, otherwise. Work posted
    /// meanwhile (other requests that found the engine taken) runs next on the same thread, up to
    /// <see cref="InlineBatch"/> pieces in all, before the loop's thread is woken for the rest.
    /// </summary>
    /// <remarks>
    /// The caller's stack is what the work gets: a thread-pool thread's is smaller than the loop's
    /// (<see cref="StackSize"/>), so the engine's stack guard stops a deep recursion sooner there.
    /// </remarks>
    public bool TryRunInline(Action work)
    {
        lock (_gate)
        {
            if (_running || _completed || _queue.Count > 0)
            {
                return false;
            }

            _running = true;
            _inlineThread = Thread.CurrentThread;
        }

        var ran = 0;
        for (Action? next = work; next is not null;)
        {
            try
            {
                next();
            }
            catch (Exception ex)
            {
                _onUnhandled(ex);
            }

            lock (_gate)
            {
                if (++ran < InlineBatch && _queue.Count > 0 && !_completed)
                {
                    next = _queue.Dequeue();
                    continue;
                }

                next = null;
                _running = false;
                _inlineThread = null;
                if (_sleeping && _queue.Count > 0)
                {
                    Monitor.Pulse(_gate);
                }
            }
        }

        return true;
    }

    /// <summary>Runs <paramref name="work"/> inline when the loop is idle, else posts it; false once the loop is shutting down.</summary>
    public bool Run(Action work) => TryRunInline(work) || Post(work);

    /// <summary>Runs <paramref name="work"/> on the loop and returns its result.</summary>
    public Task<T> InvokeAsync<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Post(() =>
            {
                try
                {
                    done.TrySetResult(work());
                }
                catch (Exception ex)
                {
                    done.TrySetException(ex);
                }
            }))
        {
            done.TrySetException(new ObjectDisposedException(nameof(EventLoop)));
        }

        return done.Task;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _completed = true;
            Monitor.Pulse(_gate);
        }

        if (!IsCurrent)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }
    }

    private void Loop()
    {
        for (var work = Next(finished: false); work is not null; work = Next(finished: true))
        {
            try
            {
                work();
            }
            catch (Exception ex)
            {
                _onUnhandled(ex);
            }
        }
    }

    // The next piece of work (after the loop's previous one, when it has finished one); null once the loop
    // is disposed and its queue drained.
    private Action? Next(bool finished)
    {
        lock (_gate)
        {
            if (finished)
            {
                _running = false;
            }

            while (_queue.Count == 0 || _running)
            {
                if (_completed && _queue.Count == 0)
                {
                    return null;
                }

                _sleeping = true;
                Monitor.Wait(_gate);
                _sleeping = false;
            }

            _running = true;
            return _queue.Dequeue();
        }
    }
}
