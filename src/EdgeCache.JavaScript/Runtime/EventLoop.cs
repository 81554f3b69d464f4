using System.Collections.Concurrent;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// The one thread an engine runs on, and its queue of work: requests to start, I/O completions that
/// resolve promises, timers. Jint engines are single-threaded; everything that touches one is posted here.
/// </summary>
internal sealed class EventLoop : IDisposable
{
    // Jint recurses on the native stack for nested JavaScript calls: give it room (the default is 1.5 MB).
    private const int StackSize = 16 * 1024 * 1024;

    private readonly BlockingCollection<Action> _queue = new();
    private readonly Thread _thread;
    private readonly Action<Exception> _onUnhandled;

    public EventLoop(string name, Action<Exception> onUnhandled)
    {
        _onUnhandled = onUnhandled;
        _thread = new Thread(Run, StackSize) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>True on the loop's own thread.</summary>
    public bool IsCurrent => Thread.CurrentThread == _thread;

    /// <summary>Queues work; false once the loop is shutting down.</summary>
    public bool Post(Action work)
    {
        try
        {
            _queue.Add(work);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
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
        _queue.CompleteAdding();
        if (!IsCurrent)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }

        _queue.Dispose();
    }

    private void Run()
    {
        foreach (var work in _queue.GetConsumingEnumerable())
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
}
