namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// The one thread an engine runs on, and its queue of work: requests to start, I/O completions that
/// resolve promises, timers. Jint engines are single-threaded; everything that touches one is posted here.
/// </summary>
internal sealed class EventLoop : IDisposable
{
    // Jint recurses on the native stack for nested JavaScript calls: give it room (the default is 1.5 MB).
    private const int StackSize = 16 * 1024 * 1024;

    /// <summary>The longest work posted with <see cref="PostLazy(Action)"/> waits for the loop when nothing else wakes it.</summary>
    public static readonly TimeSpan LazyDelay = TimeSpan.FromMilliseconds(50);

    // A plain queue under a monitor rather than a BlockingCollection: its semaphore spins (sched_yield) before
    // it sleeps, which on a loaded 2-core machine burnt CPU the requests needed (seen in perf).
    // Work with its state: the per-request work (a request's start, its bookkeeping) is a static delegate and the
    // request's state, so posting it allocates nothing (a closure and a delegate per post before).
    private readonly Queue<(Action<object> Work, object State)> _queue = new();
    private readonly object _gate = new();
    private readonly Thread _thread;
    private readonly Action<Exception> _onUnhandled;
    private readonly Action? _onIdle;
    private bool _completed;
    private bool _sleeping;

    /// <param name="name">The thread's name.</param>
    /// <param name="onUnhandled">Gets what a piece of work threw.</param>
    /// <param name="onIdle">Runs on the loop each time its queue runs empty, before it sleeps, and every <see cref="LazyDelay"/> while it sleeps (it may post).</param>
    public EventLoop(string name, Action<Exception> onUnhandled, Action? onIdle = null)
    {
        _onUnhandled = onUnhandled;
        _onIdle = onIdle;
        _thread = new Thread(Run, StackSize) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>True on the loop's own thread.</summary>
    public bool IsCurrent => Thread.CurrentThread == _thread;

    /// <summary>Queues work; false once the loop is shutting down.</summary>
    public bool Post(Action work) => Post(static w => ((Action)w)(), work);

    /// <summary>Queues <paramref name="work"/> of <paramref name="state"/>; false once the loop is shutting down.</summary>
    public bool Post(Action<object> work, object state)
    {
        lock (_gate)
        {
            if (_completed)
            {
                return false;
            }

            _queue.Enqueue((work, state));
            if (_sleeping)
            {
                Monitor.Pulse(_gate);
            }

            return true;
        }
    }

    /// <summary>
    /// Queues work that may wait: the loop is not woken for it, but runs it with the next work it wakes for, or
    /// within <see cref="LazyDelay"/> when none comes. False once the loop is shutting down.
    /// </summary>
    public bool PostLazy(Action work) => PostLazy(static w => ((Action)w)(), work);

    /// <summary>As <see cref="PostLazy(Action)"/>, <paramref name="work"/> of <paramref name="state"/>.</summary>
    public bool PostLazy(Action<object> work, object state)
    {
        lock (_gate)
        {
            if (_completed)
            {
                return false;
            }

            _queue.Enqueue((work, state));
            return true;
        }
    }

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

    private void Run()
    {
        while (Next() is ({ } work, { } state))
        {
            try
            {
                work(state);
            }
            catch (Exception ex)
            {
                _onUnhandled(ex);
            }
        }
    }

    // The next piece of work; null once the loop is disposed and its queue drained. The idle work runs each time
    // the queue is found empty, and again each time a wait runs out with nothing queued.
    private (Action<object>? Work, object? State) Next()
    {
        while (true)
        {
            if (_onIdle is not null)
            {
                lock (_gate)
                {
                    if (_queue.Count > 0)
                    {
                        return _queue.Dequeue();
                    }
                }

                try
                {
                    _onIdle();
                }
                catch (Exception ex)
                {
                    _onUnhandled(ex);
                }
            }

            lock (_gate)
            {
                if (_queue.Count == 0)
                {
                    if (_completed)
                    {
                        return default;
                    }

                    // Timed: work posted lazily while the loop sleeps is found at the latest when the wait runs out.
                    _sleeping = true;
                    Monitor.Wait(_gate, LazyDelay);
                    _sleeping = false;
                }

                if (_queue.Count > 0)
                {
                    return _queue.Dequeue();
                }
            }
        }
    }
}
