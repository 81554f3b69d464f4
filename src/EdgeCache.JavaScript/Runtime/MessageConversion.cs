using System.Net;
using System.Net.Http.Headers;
using EdgeCache.Http;
using Jint;
using Jint.Native;
using Jint.Runtime.Interop;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// Moves requests and responses across the boundary: headers as a <see cref="HeaderList"/>, bodies by kind
/// (none, string, bytes, host body, JavaScript stream).
/// </summary>
internal static class MessageConversion
{
    public const int NoBody = 0;
    public const int StringBody = 1;
    public const int BytesBody = 2;
    public const int HostBodyKind = 3;
    public const int StreamBody = 4;

    private static readonly UriCreationOptions AsWritten = new() { DangerousDisablePathAndQueryCanonicalization = true };

    /// <summary>An absolute URL as the script wrote it (System.Uri would otherwise re-escape path and query).</summary>
    public static Uri ToUri(string url)
        => Uri.TryCreate(url, AsWritten, out var uri) && uri.IsAbsoluteUri
            ? uri
            : throw new ArgumentException($"Invalid URL: '{url}'.");

    /// <summary>
    /// A request as the host sends it. <paramref name="incoming"/>, the URL of the request being handled, is
    /// reused when <paramref name="url"/> is its serialisation (a cache key or a fetch of the request itself):
    /// one parse less.
    /// </summary>
    public static HttpRequestMessage ToRequest(string method, string url, HeaderList headers, int kind, JsValue body, Func<JsValue, HttpContent>? streams = null, Uri? incoming = null)
    {
        var uri = incoming is { IsAbsoluteUri: true } && string.Equals(incoming.AbsoluteUri, url, StringComparison.Ordinal) ? incoming : ToUri(url);
        var request = new HttpRequestMessage(HttpMethod.Parse(method), uri) { Content = ToContent(kind, body, streams) };
        headers.ApplyTo(request.Headers, request.Content, forRequest: true);
        return request;
    }

    /// <summary>
    /// A response as the host sends it. A fetch() or cache.match() result sent on as it came (its immutable
    /// headers, its status and its unread body) is that host message itself: the headers are not copied back
    /// and forth (a cache hit of the reference example is such a response).
    /// </summary>
    public static HttpResponseMessage ToResponse(int status, string statusText, HeaderList headers, int kind, JsValue body, Func<JsValue, HttpContent>? streams = null)
    {
        if (headers.Source is { } source && kind == HostBodyKind && AsHostBody(body) is { } hostBody
            && hostBody.Holds(source.Content) && (int)source.StatusCode == status
            && string.Equals(source.ReasonPhrase ?? string.Empty, statusText, StringComparison.Ordinal))
        {
            hostBody.Take(asItIs: true);
            return source;
        }

        var response = new HttpResponseMessage((HttpStatusCode)status) { Content = ToContent(kind, body, streams) };
        if (statusText.Length > 0)
        {
            response.ReasonPhrase = statusText;
        }

        // Content headers (Content-Type, Expires, ...) need a content even when there is no body to carry them.
        response.Content ??= new ByteArrayContent([]);
        headers.ApplyTo(response.Headers, response.Content, forRequest: false);
        return response;
    }

    /// <summary>The host body behind a handle, or null when the value is not one.</summary>
    public static HostBody? AsHostBody(JsValue value)
        => value is ObjectWrapper { Target: HostBody body } ? body : null;

    private static HttpContent? ToContent(int kind, JsValue body, Func<JsValue, HttpContent>? streams)
    {
        switch (kind)
        {
            case StreamBody:
                return (streams ?? throw new ArgumentException("A stream body cannot be used here."))(body);
            case StringBody:
                return new ByteArrayContent(TextCodec.EncodeUtf8(body.AsString()));
            case BytesBody:
                return new ByteArrayContent(body.AsUint8Array());
            case HostBodyKind:
                var content = (AsHostBody(body) ?? throw new ArgumentException("The body handle is not valid.")).Take();

                // The script's headers replace the source's: it may have changed or dropped any of them.
                var length = content.Headers.ContentLength;
                content.Headers.Clear();
                if (length is not null)
                {
                    content.Headers.ContentLength = length;
                }

                return content;
            default:
                return null;
        }
    }
}
