using System.Text;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// A body that lives in C# (an incoming request's, a fetched or cached response's), seen by JavaScript as an
/// opaque handle. Passed on untouched it streams straight from its source to its destination; read, it is
/// read here. It has no public members, so scripts see nothing of it.
/// </summary>
internal sealed class HostBody
{
    private const int ChunkSize = 64 * 1024;

    private HttpContent? _content;
    private Stream? _stream;

    public HostBody(HttpContent content) => _content = content;

    /// <summary>
    /// The not yet copied headers of the response this body came with (a cache.match() or fetch() result): copied in
    /// before the content leaves this handle, since the new owner may clear or replace its headers.
    /// </summary>
    internal HeaderList? Headers { get; set; }

    /// <summary>
    /// Gives the content away (to a response or a cache put); the handle is spent afterwards. <paramref name="asItIs"/>:
    /// the response it came with is sent on itself, so its headers stay as they are and are not copied.
    /// </summary>
    internal HttpContent Take(bool asItIs = false)
    {
        if (!asItIs)
        {
            Headers?.Materialize();
        }

        var content = _content ?? throw new InvalidOperationException("The body has already been used.");
        if (_stream is not null)
        {
            throw new InvalidOperationException("The body has already been partly read.");
        }

        _content = null;
        return content;
    }

    /// <summary>True while the handle still has <paramref name="content"/>, unread.</summary>
    internal bool Holds(HttpContent? content) => content is not null && ReferenceEquals(_content, content) && _stream is null;

    /// <summary>Splits the body: this handle and the returned one each read all of it (response.clone()).</summary>
    internal HostBody Tee()
    {
        var content = Take();
        using var carrier = new HttpResponseMessage { Content = content };
        var copy = carrier.Clone();
        _content = carrier.Content;
        carrier.Content = null;
        return new HostBody(copy.Content);
    }

    internal async Task<byte[]> ReadAllAsync(long limit, CancellationToken cancellationToken)
    {
        var content = Take();
        using (content)
        {
            if (content.Headers.ContentLength > limit)
            {
                throw new BodyTooLargeException(limit);
            }

            var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                using var buffer = new MemoryStream();
                var chunk = new byte[ChunkSize];
                int read;
                while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    if (buffer.Length + read > limit)
                    {
                        throw new BodyTooLargeException(limit);
                    }

                    buffer.Write(chunk, 0, read);
                }

                return buffer.ToArray();
            }
        }
    }

    internal async Task<string> ReadTextAsync(long limit, CancellationToken cancellationToken)
    {
        var bytes = await ReadAllAsync(limit, cancellationToken).ConfigureAwait(false);
        return TextCodec.DecodeUtf8(bytes, fatal: false, skipBom: true) ?? string.Empty;
    }

    /// <summary>The next chunk, or null at the end of the body.</summary>
    internal async Task<byte[]?> ReadChunkAsync(CancellationToken cancellationToken)
    {
        if (_stream is null)
        {
            var content = _content ?? throw new InvalidOperationException("The body has already been used.");
            _stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        }

        var buffer = new byte[ChunkSize];
        var read = await _stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            Release();
            return null;
        }

        return read == buffer.Length ? buffer : buffer.AsSpan(0, read).ToArray();
    }

    /// <summary>Drops the body (never read, or read no further): frees its connection or its tee side.</summary>
    internal void Release()
    {
        _stream?.Dispose();
        _content?.Dispose();
        _stream = null;
        _content = null;
    }
}
