namespace EdgeCache.Storage;

/// <summary>
/// A read-only seekable stream over a <see cref="MemoryBodyFile"/>: positioned reads (<c>pread</c>) on the
/// shared file, so any number of streams and sends read it at once. It holds one reference on the body and
/// gives it back when disposed.
/// </summary>
internal sealed class MemoryBodyFileStream(MemoryBodyFile body) : Stream
{
    private long _position;
    private int _disposed;

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

        if (buffer.Length > left)
        {
            buffer = buffer[..(int)left];
        }

        // A memory file is pages in memory: a positioned read is a copy, never a wait on a device.
        var n = RandomAccess.Read(body.Handle, buffer, _position);
        if (n == 0)
        {
            throw new IOException("The memory body file is shorter than its entry says.");
        }

        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new ValueTask<int>(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

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
        }

        base.Dispose(disposing);
    }
}
