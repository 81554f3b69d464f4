namespace EdgeCache.Storage;

/// <summary>
/// A read-only seekable stream over a <see cref="NativeBody"/>: it holds one reference on the body and gives it
/// back when disposed, or when collected undisposed (a stream nobody can read any more cannot read freed memory,
/// and a stream dropped without disposing must not keep its block charged to the tier for ever).
/// </summary>
internal sealed class NativeBodyStream(NativeBody body) : TierBodyStream(body, body.Length)
{
    private readonly NativeBody _body = body;

    ~NativeBodyStream() => Dispose(false);

    public override async Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ThrowIfDisposed();

        // Straight from the block, under a reference of the copy's own: disposing of the stream meanwhile must
        // not free the bytes the write is still taking.
        if (Remaining > 0 && _body.TryAcquire())
        {
            try
            {
                var rest = _body.Bytes[(int)Position..];
                Advance(rest.Length);
                await destination.WriteAsync(rest, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _body.Release();
            }
        }
    }

    protected override int ReadAt(long offset, Span<byte> buffer)
    {
        _body.Bytes.Span.Slice((int)offset, buffer.Length).CopyTo(buffer);

        // The copy is done under this stream's reference: it must not be collected (and release it) mid-copy.
        GC.KeepAlive(this);
        return buffer.Length;
    }
}
