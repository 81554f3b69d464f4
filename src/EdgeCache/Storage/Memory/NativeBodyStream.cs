namespace EdgeCache.Storage;

/// <summary>
/// A read-only seekable stream over a <see cref="NativeBody"/>: it holds one reference on the body and gives it
/// back when disposed, or when collected undisposed (a stream nobody can read any more cannot read freed memory,
/// and a stream dropped without disposing must not keep its block charged to the tier for ever).
/// </summary>
internal sealed class NativeBodyStream(NativeBody body) : Stream
{
    private long _position;
    private int _disposed;

    ~NativeBodyStream() => Dispose(false);

    public override bool CanRead => _disposed == 0;

    public override bool CanSeek => _disposed == 0;

    public override bool CanWrite => false;

    public override long Length => body.Length;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var left = body.Length - _position;
        if (left <= 0 || buffer.IsEmpty)
        {
            return 0;
        }

        var n = (int)Math.Min(left, buffer.Length);
        body.Bytes.Span.Slice((int)_position, n).CopyTo(buffer);
        _position += n;

        // The copy is done under this stream's reference: it must not be collected (and release it) mid-copy.
        GC.KeepAlive(this);
        return n;
    }

    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new ValueTask<int>(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);

        // Straight from the block, under a reference of the copy's own: disposing of the stream meanwhile must
        // not free the bytes the write is still taking.
        if (_position < body.Length && body.TryAcquire())
        {
            try
            {
                var rest = body.Bytes[(int)_position..];
                _position = body.Length;
                await destination.WriteAsync(rest, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                body.Release();
            }
        }
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => body.Length + offset,
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
