using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeCache.AspNetCore.Hosting;

/// <summary>
/// The connection middleware that gives a socket connection a <see cref="DirectSendOutput"/>, and the
/// lookup that says whether a response may send its body through it.
/// </summary>
internal static class DirectSendConnection
{
    private static readonly object ItemKey = new();

    /// <summary>
    /// The middleware (add it first on a listener, before TLS): connections on a socket get the output;
    /// others (a test transport, a named pipe) keep theirs.
    /// </summary>
    public static Func<ConnectionDelegate, ConnectionDelegate> Middleware(DirectSendCounters counters) => next => async connection =>
    {
        if (connection.Features.Get<IConnectionSocketFeature>()?.Socket is not { } socket)
        {
            await next(connection).ConfigureAwait(false);
            return;
        }

        var transport = connection.Transport;
        var output = new DirectSendOutput(socket, connection, transport.Output, counters);
        counters.OnOpened();
        connection.Items[ItemKey] = output;
        connection.Transport = new DuplexPipe(transport.Input, output);
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            // Kestrel completed the output when the connection ended; the loop sends what is left, then
            // completes the socket transport's output, which shuts the socket down.
            await output.CompleteAsync().ConfigureAwait(false);
            await output.Sending.ConfigureAwait(false);
            connection.Transport = transport;
            connection.Items.Remove(ItemKey);
            counters.OnClosed();
        }
    };

    /// <summary>
    /// The connection's output when this response may put its body on the socket directly: HTTP/1.1 in
    /// plaintext, the response body still Kestrel's own (no compression or buffering middleware in between),
    /// and a Content-Length (no chunking). Anything else (HTTP/2, TLS, HTTP/1.0) takes the ordinary path.
    /// </summary>
    public static DirectSendOutput? For(HttpContext context)
    {
        var request = context.Request;
        if (request.IsHttps || !HttpProtocol.IsHttp11(request.Protocol) || context.Response.ContentLength is null
            || context.Features.Get<IConnectionItemsFeature>()?.Items is not { } items
            || !items.TryGetValue(ItemKey, out var value) || value is not DirectSendOutput output)
        {
            return null;
        }

        // Kestrel's request object is both features; a middleware that wraps the body replaces only one.
        var features = context.Features;
        return ReferenceEquals(features.Get<IHttpResponseBodyFeature>(), features.Get<IHttpResponseFeature>()) ? output : null;
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
