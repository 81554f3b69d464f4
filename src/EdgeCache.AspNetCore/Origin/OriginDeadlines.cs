namespace EdgeCache.AspNetCore.Origin;

/// <summary>
/// The origin timeout's tokens, shared by every request that starts within one short slice of time: each slice
/// has one source, linked to the client's stopping token and cancelled one timeout plus one slice after the slice
/// began. A request therefore gets between one timeout and one timeout plus a slice (a sixteenth of the timeout, at
/// most one second) to receive its response headers.
/// </summary>
/// <remarks>
/// A source of its own per request (a linked source and a timer armed with <c>CancelAfter</c>, then disposed)
/// cost every miss about 300 bytes and two trips through the runtime's timer queue lock. Only the response
/// headers wait on the token: SocketsHttpHandler lets go of it when SendAsync returns, so a body that streams
/// for longer than the timeout is not cut off when its slice's source is cancelled later.
/// </remarks>
internal sealed class OriginDeadlines : IDisposable
{
    private readonly TimeSpan _timeout;
    private readonly long _sliceMilliseconds;
    private readonly long _slicesKept;
    private readonly CancellationToken _stopping;
    private readonly TimeProvider _time;
    private readonly long _ticksPerMillisecond;
    private readonly Lock _sync = new();
    private readonly Queue<Slice> _expiring = new();
    private Slice? _current;
    private bool _disposed;

    /// <summary>
    /// Creates the deadlines for <paramref name="timeout"/>, all cancelled when <paramref name="stopping"/> is, timed by
    /// <paramref name="time"/> (the system clock unless a test fakes it).
    /// </summary>
    public OriginDeadlines(TimeSpan timeout, CancellationToken stopping, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;

        // Divided first: a fake clock counts 100 ns ticks since year 1, which times 1000 would overflow.
        _ticksPerMillisecond = Math.Max(_time.TimestampFrequency / 1000, 1);
        _timeout = timeout;
        _sliceMilliseconds = Math.Clamp((long)(timeout.TotalMilliseconds / 16), 1, 1000);

        // A slice's source is disposed only once its deadline has passed (by a slice): every request that took its
        // token has had its headers or its cancellation by then.
        _slicesKept = ((long)Math.Ceiling(timeout.TotalMilliseconds) / _sliceMilliseconds) + 2;
        _stopping = stopping;
    }

    /// <summary>A token cancelled between one timeout and one timeout plus a slice from now, or when the client stops.</summary>
    public CancellationToken Next()
    {
        var number = NowMilliseconds() / _sliceMilliseconds;
        var current = Volatile.Read(ref _current);
        return current is not null && current.Number == number ? current.Source.Token : Begin(number);
    }

    /// <summary>Cancels nothing; disposes every slice's source (the client is stopping or stopped).</summary>
    public void Dispose()
    {
        lock (_sync)
        {
            _disposed = true;
            while (_expiring.TryDequeue(out var slice))
            {
                slice.Dispose();
            }

            _current?.Dispose();
            _current = null;
        }
    }

    private CancellationToken Begin(long number)
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var current = _current;
            if (current is not null && current.Number >= number)
            {
                // Another thread began this slice first (or a later one: a clock read just before it).
                return current.Source.Token;
            }

            // The clock's own source (its timer runs on the time provider) and one registration on the stopping token,
            // as a linked source would have: the same two objects per slice, and a fake clock can drive it in tests.
            var source = new CancellationTokenSource(_timeout + TimeSpan.FromMilliseconds(_sliceMilliseconds), _time);
            var stopping = _stopping.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), source);
            var slice = new Slice(number, source, stopping);
            if (current is not null)
            {
                _expiring.Enqueue(current);
            }

            while (_expiring.TryPeek(out var oldest) && oldest.Number < number - _slicesKept)
            {
                _expiring.Dequeue().Dispose();
            }

            Volatile.Write(ref _current, slice);
            return source.Token;
        }
    }

    /// <summary>Slices whose sources are alive: the current one and those whose deadlines may not have passed (for tests).</summary>
    internal int SlicesHeld
    {
        get
        {
            lock (_sync)
            {
                return _expiring.Count + (_current is null ? 0 : 1);
            }
        }
    }

    private long NowMilliseconds() => _time.GetTimestamp() / _ticksPerMillisecond;

    private sealed record Slice(long Number, CancellationTokenSource Source, CancellationTokenRegistration Stopping) : IDisposable
    {
        // The registration first: its Dispose waits for a stopping callback in flight (it only cancels the source, whose
        // own callbacks take no lock of ours), so a disposed source is never cancelled through it.
        public void Dispose()
        {
            Stopping.Dispose();
            Source.Dispose();
        }
    }
}
