using System.Buffers;

namespace EdgeCache.AspNetCore.Proxy;

/// <summary>
/// The body of an origin response as it streams in, shared by every request collapsed onto the fetch:
/// the fetch appends, each reader copies from its own position and waits for more. Bytes once
/// appended never move, so readers copy outside the lock.
/// </summary>
/// <remarks>
/// A body that outgrows what may be buffered whole switches to trimming: no new reader may start
/// below what was already dropped, segments every reader has passed are released, and the fetch
/// waits (<see cref="WaitForReadersAsync"/>) while the slowest reader lags too far behind, and, first, for the
/// collapsed requests that joined the fetch but have not started reading (<see cref="ExpectedReaders"/>).
/// </remarks>
internal sealed class GrowingBuffer
{
    /// <summary>
    /// The longest the fill holds back, once a reader streams, for followers that joined and have not begun: theirs is
    /// a queued continuation, and a pool that has not run it in this time is starved; a second origin request for
    /// the late one beats stalling the readers who are streaming.
    /// </summary>
    internal static readonly TimeSpan MaxExpectedReaderWait = TimeSpan.FromSeconds(2);

    /// <summary>The segment size of a body whose length is unknown or larger.</summary>
    internal const int MaxSegmentSize = 64 * 1024;

    private readonly Lock _sync = new();
    private readonly int _segmentSize;
    private readonly long _declaredLength;
    private readonly List<byte[]?> _segments;
    private readonly ExpectedReaders? _expected;
    // The readers copying now: the first in a field of its own (most bodies have one reader), any others in a list.
    private ReaderPosition? _reader;
    private List<ReaderPosition>? _moreReaders;
    // Made when somebody waits, and dropped when signalled: a 1 KB miss whose reader never has to wait then
    // allocates none of them (five before, one per signal).
    private TaskCompletionSource? _changed;
    private TaskCompletionSource? _consumed;
    private long _length;
    private bool _completed;
    private bool _trimming;

    // Until the first reader attaches nothing is released: under load the request that will read the
    // body can attach after the origin has already sent more than the buffer limit.
    private bool _hadReader;
    private int _released;
    private Exception? _error;

    // Set once the fill has waited its longest for expected readers: the ones still missing will find their start
    // released and answer from the origin themselves, rather than hold back everyone who is reading.
    private bool _stopExpecting;

    /// <summary>Creates a buffer for a body of <paramref name="declaredLength"/> bytes (-1 when unknown).</summary>
    /// <param name="declaredLength">The origin's Content-Length, or -1.</param>
    /// <param name="expected">The requests collapsed onto the fetch that will read this buffer but have not begun.</param>
    public GrowingBuffer(long declaredLength = -1, ExpectedReaders? expected = null)
    {
        _expected = expected;
        // A small body gets one segment of its own size: a 64 KB array per 1 KB miss is most of what a
        // miss allocates (and zeroes). HttpClient never reads past a Content-Length.
        _segmentSize = declaredLength is > 0 and < MaxSegmentSize ? (int)declaredLength : MaxSegmentSize;
        _declaredLength = declaredLength;

        // Room for exactly the segments a declared length needs (one for a small body), not the list's first 4, then 8.
        _segments = new(declaredLength > 0 ? (int)Math.Min((declaredLength + _segmentSize - 1) / _segmentSize, 16) : 4);
        expected?.Watch(this);
    }

    /// <summary>The size of each segment (for tests).</summary>
    internal int SegmentSize => _segmentSize;

    /// <summary>Readers copying now.</summary>
    public int ReaderCount
    {
        get
        {
            lock (_sync)
            {
                return ReadersLocked;
            }
        }
    }

    // Under the lock: expected readers still to come, whom the fill waits for and for whom nothing is released.
    private bool AwaitingExpectedLocked => !_stopExpecting && _expected is { Outstanding: > 0 };

    // Under the lock.
    private int ReadersLocked => (_reader is null ? 0 : 1) + (_moreReaders?.Count ?? 0);

    /// <summary>Stops keeping the whole body: from now on, bytes every reader has passed are released.</summary>
    public void StartTrimming()
    {
        lock (_sync)
        {
            _trimming = true;
            Trim();
        }
    }

    /// <summary>
    /// While trimming, waits until the slowest reader is at most <paramref name="maxLag"/> bytes behind (or
    /// none is left), and first for a reader to attach at all, up to <paramref name="firstReaderTimeout"/>, and for
    /// every expected reader to arrive or give up, up to <see cref="MaxExpectedReaderWait"/> (or the first, if shorter).
    /// </summary>
    public async Task WaitForReadersAsync(long maxLag, TimeSpan firstReaderTimeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            Task wait;
            bool awaiting;
            TimeSpan left;
            lock (_sync)
            {
                awaiting = !_hadReader || AwaitingExpectedLocked;
                left = (_hadReader && firstReaderTimeout > MaxExpectedReaderWait ? MaxExpectedReaderWait : firstReaderTimeout) - time.GetElapsedTime(started);
                if (!_trimming || (!awaiting && (ReadersLocked == 0 || _length - MinReaderPosition() <= maxLag)))
                {
                    return;
                }

                if (awaiting && left <= TimeSpan.Zero)
                {
                    if (!_hadReader)
                    {
                        return;
                    }

                    _stopExpecting = true;
                    Trim();
                    continue;
                }

                wait = Consumed();
            }

            await (awaiting ? WaitOrTimeoutAsync(wait, left, time, cancellationToken) : wait.WaitAsync(cancellationToken)).ConfigureAwait(false);
        }
    }

    private static async Task WaitOrTimeoutAsync(Task wait, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            await wait.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }

    /// <summary>Bytes appended so far.</summary>
    public long Length
    {
        get
        {
            lock (_sync)
            {
                return _length;
            }
        }
    }

    /// <summary>
    /// The whole body is here, none of it released, and nothing broke: complete, or every declared byte
    /// appended (a reader of a declared length finishes without waiting for <see cref="Complete"/>).
    /// </summary>
    public bool IsWhole
    {
        get
        {
            lock (_sync)
            {
                return _error is null && _released == 0 && (_completed || (_declaredLength >= 0 && _length == _declaredLength));
            }
        }
    }

    /// <summary>Appends bytes and wakes waiting readers.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        TaskCompletionSource? changed;
        lock (_sync)
        {
            while (!data.IsEmpty)
            {
                var offset = (int)(_length % _segmentSize);
                if (offset == 0 && _length / _segmentSize == _segments.Count)
                {
                    // Pooled: Recycle gives it back once nobody can read it (a trimmed one is left to the GC).
                    _segments.Add(ArrayPool<byte>.Shared.Rent(_segmentSize));
                }

                var segment = _segments[(int)(_length / _segmentSize)]!;
                var n = Math.Min(_segmentSize - offset, data.Length);
                data[..n].CopyTo(segment.AsSpan(offset));
                data = data[n..];
                _length += n;
            }

            changed = _changed;
            _changed = null;
        }

        changed?.TrySetResult();
    }

    /// <summary>
    /// Gives the segments back to the pool. Only for the fetch's last holder (<see cref="InFlightFetch.Release"/>):
    /// nobody may read the body after this, and a reader that tried anyway would find it released, never other bytes.
    /// </summary>
    public void Recycle()
    {
        lock (_sync)
        {
            for (var i = 0; i < _segments.Count; i++)
            {
                if (_segments[i] is { } segment)
                {
                    _segments[i] = null;
                    ArrayPool<byte>.Shared.Return(segment);
                }
            }

            _released = _segments.Count;
        }
    }

    /// <summary>Marks the body complete.</summary>
    public void Complete()
    {
        TaskCompletionSource? changed;
        lock (_sync)
        {
            _completed = true;
            changed = _changed;
            _changed = null;
        }

        changed?.TrySetResult();
    }

    /// <summary>Marks the body broken: readers that have not reached the end fail (their clients must see a failed transfer).</summary>
    public void Fail(Exception error)
    {
        TaskCompletionSource? changed;
        lock (_sync)
        {
            _error ??= error;
            changed = _changed;
            _changed = null;
        }

        changed?.TrySetResult();
    }

    /// <summary>Waits until the body is complete and returns its length; throws if it broke.</summary>
    public async Task<long> WaitForCompletionAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_sync)
            {
                if (_error is not null)
                {
                    throw new IOException("The origin response broke off.", _error);
                }

                if (_completed)
                {
                    return _length;
                }

                wait = Changed();
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Copies <paramref name="count"/> bytes from <paramref name="offset"/> (or to the end when negative) as they arrive.</summary>
    /// <param name="destination">Where the bytes go.</param>
    /// <param name="offset">The first byte.</param>
    /// <param name="count">How many bytes, or -1 for the rest.</param>
    /// <param name="expected">The reader's ticket when it was expected (a collapsed request): settled as it attaches.</param>
    /// <param name="cancellationToken">Stops the copy.</param>
    public async Task CopyToAsync(Stream destination, long offset, long count, CancellationToken cancellationToken, ExpectedRead? expected = null)
    {
        var reader = new ReaderPosition { Position = offset };
        TaskCompletionSource? first = null;
        lock (_sync)
        {
            if (offset < (long)_released * _segmentSize)
            {
                throw new IOException("The start of this body was already released.");
            }

            if (_reader is null)
            {
                _reader = reader;
            }
            else
            {
                (_moreReaders ??= []).Add(reader);
            }

            // The fill may be waiting for the first reader or for this expected one.
            if (expected?.TryArrive() == true || !_hadReader)
            {
                _hadReader = true;
                first = _consumed;
                _consumed = null;
            }
        }

        first?.TrySetResult();
        try
        {
            await CopyFromAsync(reader, destination, offset, count, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            TaskCompletionSource? consumed;
            lock (_sync)
            {
                if (ReferenceEquals(_reader, reader))
                {
                    _reader = null;
                }
                else
                {
                    _moreReaders!.Remove(reader);
                }

                consumed = _consumed;
                _consumed = null;
                Trim();
            }

            consumed?.TrySetResult();
        }
    }

    private async Task CopyFromAsync(ReaderPosition reader, Stream destination, long offset, long count, CancellationToken cancellationToken)
    {
        var position = offset;
        var end = count < 0 ? long.MaxValue : offset + count;
        while (position < end)
        {
            byte[]? segment = null;
            var segmentOffset = 0;
            var available = 0;
            Task? wait = null;
            lock (_sync)
            {
                if (position < _length)
                {
                    segment = _segments[(int)(position / _segmentSize)]
                        ?? throw new IOException("This part of the body was already released.");
                    segmentOffset = (int)(position % _segmentSize);
                    available = (int)Math.Min(Math.Min(_length - position, _segmentSize - segmentOffset), end - position);
                }
                else if (_error is not null)
                {
                    throw new IOException("The origin response broke off.", _error);
                }
                else if (_completed)
                {
                    return;
                }
                else
                {
                    wait = Changed();
                }
            }

            if (wait is not null)
            {
                await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            await destination.WriteAsync(segment.AsMemory(segmentOffset, available), cancellationToken).ConfigureAwait(false);
            position += available;
            TaskCompletionSource? consumed = null;
            lock (_sync)
            {
                reader.Position = position;
                if (_trimming)
                {
                    Trim();
                    consumed = _consumed;
                    _consumed = null;
                }
            }

            consumed?.TrySetResult();
        }
    }

    /// <summary>An expected reader gave up without reading: what it kept may go, and the fill need not wait for it.</summary>
    internal void ExpectedReaderLeft()
    {
        TaskCompletionSource? consumed;
        lock (_sync)
        {
            consumed = _consumed;
            _consumed = null;
            Trim();
        }

        consumed?.TrySetResult();
    }

    // Under the lock: what a reader waits on for more bytes, the end or a failure.
    private Task Changed() => (_changed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    // Under the lock: what the fill waits on for a reader to attach or move on.
    private Task Consumed() => (_consumed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    // Under the lock: release whole segments below every reader (and below the appended length).
    private void Trim()
    {
        if (!_trimming || !_hadReader || AwaitingExpectedLocked)
        {
            return;
        }

        var keepFrom = (int)(Math.Min(MinReaderPosition(), _length) / _segmentSize);
        for (var i = _released; i < keepFrom; i++)
        {
            _segments[i] = null;
        }

        _released = Math.Max(_released, keepFrom);
    }

    // Under the lock.
    private long MinReaderPosition()
    {
        var min = _reader?.Position ?? long.MaxValue;
        if (_moreReaders is not null)
        {
            foreach (var reader in _moreReaders)
            {
                min = Math.Min(min, reader.Position);
            }
        }

        return min;
    }

    private sealed class ReaderPosition
    {
        public long Position;
    }
}
