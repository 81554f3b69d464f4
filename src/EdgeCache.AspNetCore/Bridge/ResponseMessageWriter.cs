using EdgeCache.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeCache.AspNetCore.Bridge;

/// <summary>
/// The one writer of an <see cref="HttpResponseMessage"/> to Kestrel's response, streaming the body: a worker's
/// response (<see cref="WriteAsync(HttpContext, HttpResponseMessage, bool)"/>) and the proxy's origin responses
/// that are passed on rather than served from the cache (<c>Proxy/Serving/OriginResponseWriter</c>, which adds
/// its cache fields through the same method). Stored entries go out through <c>StoredResponseWriter</c>, which
/// writes from the store without an <see cref="HttpResponseMessage"/>.
/// </summary>
internal static class ResponseMessageWriter
{
    /// <summary>Writes a worker's response; <c>Cache-Tag</c> (purge metadata) is left out unless <paramref name="exposeCacheTags"/>.</summary>
    public static Task WriteAsync(HttpContext context, HttpResponseMessage message, bool exposeCacheTags)
        => WriteAsync(
            context,
            message,
            (int)message.StatusCode,
            message.ReasonPhrase,
            static (name, expose) => expose || !Semantics.CacheTags.IsHeader(name),
            static (context, message, _) =>
            {
                // A worker's response says its cache status in the header, as on Cloudflare: the header is the truth here.
                if (message.Headers.NonValidated.TryGetValues(EdgeCacheStatusNames.Header, out var cacheStatus))
                {
                    foreach (var value in cacheStatus)
                    {
                        EdgeCacheFeature.For(context).Status = EdgeCacheStatusNames.Parse(value);
                        break;
                    }
                }
            },
            exposeCacheTags);

    /// <summary>
    /// Writes <paramref name="status"/>, the message's end-to-end fields that <paramref name="keepField"/> keeps
    /// (hop-by-hop fields and those the message's Connection names never go out), then lets
    /// <paramref name="completeHead"/> add the caller's own fields, then streams the body. A status without a
    /// body (1xx, 204, 304) drops Content-Length; HEAD keeps it and sends no body.
    /// </summary>
    public static async Task WriteAsync<TState>(
        HttpContext context,
        HttpResponseMessage message,
        int status,
        string? reasonPhrase,
        Func<string, TState, bool> keepField,
        Action<HttpContext, HttpResponseMessage, TState> completeHead,
        TState state)
    {
        var response = context.Response;
        response.StatusCode = status;
        if (!string.IsNullOrEmpty(reasonPhrase))
        {
            context.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = reasonPhrase;
        }

        var skip = HopByHopHeaders.For(HttpMessageHeaders.Values(message.Headers, null, "Connection"));
        foreach (var (name, values) in HttpMessageHeaders.All(message))
        {
            if (skip.Contains(name) || !keepField(name, state))
            {
                continue;
            }

            try
            {
                response.Headers.Append(name, values.ToArray());
            }
            catch (InvalidOperationException)
            {
                // Kestrel refuses values HttpClient lets through (non-ASCII, control characters, a bad
                // Content-Length): drop that field rather than fail the whole response with a 500.
            }
        }

        completeHead(context, message, state);
        if (status is 204 or 304 || status < 200)
        {
            response.Headers.ContentLength = null;
            await response.StartAsync(context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (message.Content is null || HttpMethods.IsHead(context.Request.Method))
        {
            await response.StartAsync(context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var body = await message.Content.ReadAsStreamAsync(context.RequestAborted).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            try
            {
                await body.CopyToAsync(response.Body, context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception) when (!context.RequestAborted.IsCancellationRequested)
            {
                // The body broke off after the status line went out: abort the connection so the
                // client sees a failed transfer, never a short body that looks complete.
                context.Abort();
            }
            catch (OperationCanceledException)
            {
                // The client went away.
            }
        }
    }
}
