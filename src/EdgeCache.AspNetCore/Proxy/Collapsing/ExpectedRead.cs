namespace EdgeCache.AspNetCore.Proxy;

/// <summary>
/// One collapsed request's place in <see cref="ExpectedReaders"/>: settled exactly once, by the buffer as the request
/// starts reading (<see cref="GrowingBuffer.CopyToAsync"/>) or by the request when it ends without reading (a HEAD, a
/// 304, a Vary mismatch, a failed fetch, a timeout).
/// </summary>
internal sealed class ExpectedRead(ExpectedReaders readers)
{
    private int _settled;

    /// <summary>The request is done with the fetch; nothing when the buffer already counted it in.</summary>
    public void Withdraw()
    {
        if (Interlocked.Exchange(ref _settled, 1) == 0)
        {
            readers.Settle(wake: true);
        }
    }

    /// <summary>Under the buffer's lock, as the request attaches as a reader: true the first time.</summary>
    internal bool TryArrive()
    {
        if (Interlocked.Exchange(ref _settled, 1) != 0)
        {
            return false;
        }

        readers.Settle(wake: false);
        return true;
    }
}
