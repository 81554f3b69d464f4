namespace EdgeCache.AspNetCore.Proxy;

/// <summary>
/// The collapsed requests that hold a fetch to read its buffer from the start but have not begun reading: a trimming
/// <see cref="GrowingBuffer"/> releases nothing while any is outstanding, and its fill waits for them (up to its
/// first-reader wait), or a follower that joined before the body outgrew the buffer would find its start gone.
/// </summary>
/// <remarks>
/// Counted from the moment a request joins (<see cref="InFlightFetch.TryJoin"/>), before the buffer exists, because
/// a follower's continuation can run well after the fill has published the buffer and the leader has read on.
/// </remarks>
internal sealed class ExpectedReaders
{
    private int _outstanding;
    private GrowingBuffer? _buffer;

    /// <summary>Readers expected and not yet arrived or gone.</summary>
    public int Outstanding => Volatile.Read(ref _outstanding);

    /// <summary>One more reader is coming: its ticket, settled once when it starts reading or gives up.</summary>
    public ExpectedRead Expect()
    {
        Interlocked.Increment(ref _outstanding);
        return new ExpectedRead(this);
    }

    /// <summary>The buffer to wake when an expected reader gives up (a buffer made for this fetch registers itself).</summary>
    internal void Watch(GrowingBuffer buffer) => Volatile.Write(ref _buffer, buffer);

    // Once per ticket. The buffer counts an arrival itself, under its lock, and needs no wake-up.
    internal void Settle(bool wake)
    {
        Interlocked.Decrement(ref _outstanding);
        if (wake)
        {
            Volatile.Read(ref _buffer)?.ExpectedReaderLeft();
        }
    }
}
