using System.Net;
using EdgeCache.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeCache.AspNetCore.Bridge;

/// <summary>Writes an <see cref="HttpResponseMessage"/> to Kestrel's response, streaming the body.</summary>
internal static class ResponseMessageWriter
{
    /// <summary>Writes the response; <c>Cache-Tag</c> (purge metadata) is left out unless <paramref name="exposeCacheTags"/>.</summary>
    public static async Task WriteAsync(HttpContext context, HttpResponseMessage message, bool exposeCacheTags)
    {
        var response = context.Response;
        response.StatusCode = (int)message.StatusCode;
        if (!string.IsNullOrEmpty(message.ReasonPhrase))
        {
            context.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = message.ReasonPhrase;
        }

        var skip = HopByHopHeaders.For(HttpMessageHeaders.Values(message.Headers, null, "Connection"));
        foreach (var (name, values) in HttpMessageHeaders.All(message))
        {
            if (skip.Contains(name) || (!exposeCacheTags && Semantics.CacheTags.IsHeader(name)))
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

        // A worker's response says its cache status in the header, as on Cloudflare: the header is the truth here.
        if (message.Headers.NonValidated.TryGetValues(EdgeCacheStatusNames.Header, out var cacheStatus))
        {
            foreach (var value in cacheStatus)
            {
                EdgeCacheFeature.For(context).Status = EdgeCacheStatusNames.Parse(value);
                break;
            }
        }

        var noBody = message.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.NotModified || (int)message.StatusCode < 200;
        if (noBody)
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

        Stream body;
        try
        {
            body = await message.Content.ReadAsStreamAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception) when (!response.HasStarted)
        {
            throw;
        }

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
        }
    }
}
