namespace EdgeCache.AspNetCore.Proxy;

/// <summary>
/// The client's request body on its way to the origin: a failure to read it (a malformed chunk, a body shorter
/// than its Content-Length) surfaces as <see cref="ClientBodyException"/>, so the proxy answers 400 for the
/// client's error instead of 502 for an origin that did nothing wrong.
/// </summary>
internal sealed class ClientBodyStream(Stream inner) : EdgeCache.Http.ReadOnlyStream
{
    public override int Read(byte[] buffer, int offset, int count)
    {
        try
        {
            return inner.Read(buffer, offset, count);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new ClientBodyException(ex);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new ClientBodyException(ex);
        }
    }
}
