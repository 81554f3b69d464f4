namespace EdgeCache.Storage;

/// <summary>
/// What the memory tier's body streams share: a read-only seekable stream over a body of fixed length, off the GC
/// heap, that holds one reference on the body and gives it back exactly once, when disposed. Subclasses copy the
/// bytes at an offset (<see cref="ReadAt"/>).
/// </summary>
internal abstract class TierBodyStream(ITierBody body, long length) : Stream
{
    private long _position;
    private int _disposed;

    public override bool CanRead => _disposed == 0;

    public override bool CanSeek => _disposed == 0;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    /// <summary>The bytes from <see cref="Position"/> to the end (none, or less than none after a seek past it).</summary>
    protected long Remaining => length - _position;

    public override int Read(Span<byte> buffer)
    {
        ThrowIfDisposed();
        var left = Remaining;
        if (left <= 0 || buffer.IsEmpty)
        {
            return 0;
        }

        if (buffer.Length > left)
        {
            buffer = buffer[..(int)left];
        }

        var n = ReadAt(_position, buffer);
        _position += n;
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    // Both bodies are memory: a read is a copy, never a wait, so it completes synchronously.
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new ValueTask<int>(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin)
    {
        ThrowIfDisposed();
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };
        ArgumentOutOfRangeException.ThrowIfNegative(target, nameof(offset));
        _position = target;
        return target;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>Moves the position on by <paramref name="count"/> bytes read.</summary>
    protected void Advance(long count) => _position += count;

    /// <summary>
    /// Copies the body's bytes from <paramref name="offset"/> into <paramref name="buffer"/> (never past the end, never
    /// empty) under the stream's reference; returns how many, at least one.
    /// </summary>
    protected abstract int ReadAt(long offset, Span<byte> buffer);

    protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed != 0, this);

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            body.Release();
            GC.SuppressFinalize(this);
        }

        base.Dispose(disposing);
    }
}
