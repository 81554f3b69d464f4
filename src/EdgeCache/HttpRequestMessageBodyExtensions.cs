namespace EdgeCache;

/// <summary>
/// Reading a request body and still forwarding it: the .NET shape of JavaScript's
/// <c>request.clone().text()</c> followed by <c>fetch(request)</c>.
/// </summary>
public static class HttpRequestMessageBodyExtensions
{
    /// <summary>The largest body <see cref="CloneAsync"/> and <see cref="TextAsync"/> buffer unless told otherwise: 16 MiB.</summary>
    public const long DefaultMaxBodyBytes = 16L * 1024 * 1024;

    /// <summary>
    /// Cloudflare's <c>request.clone()</c>: a copy with the same method, URL, headers (content headers
    /// included), options and body. The body is read into memory once (up to <paramref name="maxBodyBytes"/>);
    /// both this request and the copy can then be read or sent, as often as needed.
    /// </summary>
    /// <exception cref="HttpRequestException">The body is larger than <paramref name="maxBodyBytes"/>.</exception>
    public static async Task<HttpRequestMessage> CloneAsync(this HttpRequestMessage request, long maxBodyBytes = DefaultMaxBodyBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var copy = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version, VersionPolicy = request.VersionPolicy };
        Http.HttpMessageHeaders.CopyTo(request.Headers, copy.Headers);
        foreach (var option in request.Options)
        {
            ((IDictionary<string, object?>)copy.Options)[option.Key] = option.Value;
        }

        if (request.Content is { } content)
        {
            await content.LoadIntoBufferAsync(maxBodyBytes, cancellationToken).ConfigureAwait(false);
            copy.Content = new ByteArrayContent(await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
            Http.HttpMessageHeaders.CopyTo(content.Headers, copy.Content.Headers);
        }

        return copy;
    }

    /// <summary>
    /// The body as text (JavaScript's <c>await request.clone().text()</c>), decoded by its charset (UTF-8
    /// by default); the body is buffered (up to <paramref name="maxBodyBytes"/>), so the request can still be
    /// sent with <c>FetchAsync</c> afterwards. An absent body reads as the empty string.
    /// </summary>
    /// <exception cref="HttpRequestException">The body is larger than <paramref name="maxBodyBytes"/>.</exception>
    public static async Task<string> TextAsync(this HttpRequestMessage request, long maxBodyBytes = DefaultMaxBodyBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Content is not { } content)
        {
            return string.Empty;
        }

        await content.LoadIntoBufferAsync(maxBodyBytes, cancellationToken).ConfigureAwait(false);
        return await content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The body's bytes (JavaScript's <c>await request.clone().arrayBuffer()</c>); buffered as <see cref="TextAsync"/> is, so the request can still be sent.</summary>
    /// <exception cref="HttpRequestException">The body is larger than <paramref name="maxBodyBytes"/>.</exception>
    public static async Task<byte[]> BytesAsync(this HttpRequestMessage request, long maxBodyBytes = DefaultMaxBodyBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Content is not { } content)
        {
            return [];
        }

        await content.LoadIntoBufferAsync(maxBodyBytes, cancellationToken).ConfigureAwait(false);
        return await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
    }
}
