namespace EdgeCache.AspNetCore.Proxy;

/// <summary>
/// A read-only stream of bytes already read from a body followed by the rest of it, or, when reading that body
/// had failed, by the failure again: the reader then sees a broken body, never a short one that looks complete.
/// </summary>
internal sealed class PrefixedStream(byte[] prefix, Stream? rest, Exception? failure, IDisposable? owner) : EdgeCache.Http.ReadOnlyStream
{
    private int _position;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position < prefix.Length)
        {
            var n = Math.Min(buffer.Length, prefix.Length - _position);
            prefix.AsMemory(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        if (failure is not null)
        {
            throw new IOException("The origin's body broke off.", failure);
        }

        return rest is null ? 0 : await rest.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            rest?.Dispose();
            owner?.Dispose();
        }

        base.Dispose(disposing);
    }
}
