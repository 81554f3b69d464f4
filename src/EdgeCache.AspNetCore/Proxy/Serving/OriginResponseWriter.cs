using EdgeCache.Http;

namespace EdgeCache.AspNetCore.Proxy;

/// <summary>Writes an origin response that is not served from the cache (pass, hit-for-pass, uncacheable).</summary>
internal static class OriginResponseWriter
{
    /// <summary>
    /// Copies the status, the end-to-end headers (without the fields that stay in this cache,
    /// <see cref="StoredResponseWriter.StaysHere"/>) and the streamed
    /// body; adds Date when missing, Via, Cache-Status and cf-cache-status.
    /// </summary>
    public static async Task WriteAsync(HttpContext context, HttpResponseMessage message, string cacheStatus, EdgeCacheStatus cf, string via, DateTimeOffset now, PassedOnFields passOn, bool evaluatePreconditions = false)
    {
        var response = context.Response;
        var status = (int)message.StatusCode;
        var outcome = evaluatePreconditions ? Evaluate(context.Request, message) : PreconditionOutcome.Proceed;
        if (outcome == PreconditionOutcome.PreconditionFailed)
        {
            await WriteErrorAsync(context, StatusCodes.Status412PreconditionFailed, "412 Precondition Failed\n", cacheStatus, cf, via).ConfigureAwait(false);
            return;
        }

        if (outcome == PreconditionOutcome.NotModified)
        {
            status = StatusCodes.Status304NotModified;
        }

        response.StatusCode = status;
        var skip = HopByHopHeaders.For(HttpMessageHeaders.Values(message.Headers, null, "Connection"));
        var hasDate = false;
        foreach (var (name, values) in HttpMessageHeaders.All(message))
        {
            if (skip.Contains(name) || StoredResponseWriter.StaysHere(name, passOn))
            {
                continue;
            }

            if (status == StatusCodes.Status304NotModified && outcome == PreconditionOutcome.NotModified && IsRepresentationMetadata(name))
            {
                continue;
            }

            hasDate |= name.Equals("Date", StringComparison.OrdinalIgnoreCase);
            foreach (var value in values)
            {
                response.Headers.Append(name, value);
            }
        }

        if (!hasDate)
        {
            response.Headers.Date = HttpDate.Format(now);
        }

        StoredResponseWriter.WriteCacheHeaders(response, -1, cacheStatus, cf, via);
        var noBody = status is 204 or 304 || status < 200 || HttpMethods.IsHead(context.Request.Method);
        if (noBody)
        {
            if (status is 204 or 304)
            {
                response.ContentLength = null;
            }

            await response.StartAsync(context.RequestAborted).ConfigureAwait(false);
            return;
        }

        try
        {
            var body = await message.Content.ReadAsStreamAsync(context.RequestAborted).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                await body.CopyToAsync(response.Body, context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (Exception) when (!context.RequestAborted.IsCancellationRequested)
        {
            // The origin broke off mid-body: abort, so the client never takes a short body for a whole one.
            context.Abort();
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
    }

    private static PreconditionOutcome Evaluate(HttpRequest request, HttpResponseMessage message)
    {
        var headers = request.Headers;
        if (headers.IfNoneMatch.Count == 0 && headers.IfModifiedSince.Count == 0 && headers.IfMatch.Count == 0 && headers.IfUnmodifiedSince.Count == 0)
        {
            return PreconditionOutcome.Proceed;
        }

        var lastModified = HttpMessageHeaders.Joined(message.Headers, message.Content, "Last-Modified");
        var date = HttpMessageHeaders.Joined(message.Headers, message.Content, "Date");
        return Preconditions.Evaluate(
            request.Method, (int)message.StatusCode,
            Value(headers.IfMatch), Value(headers.IfNoneMatch), Value(headers.IfModifiedSince), Value(headers.IfUnmodifiedSince),
            HttpMessageHeaders.Joined(message.Headers, message.Content, "ETag"),
            HttpDate.TryParse(lastModified, out var lm) ? lm : null,
            HttpDate.TryParse(date, out var d) ? d : null);
    }

    private static string? Value(Microsoft.Extensions.Primitives.StringValues values) => values.Count == 0 ? null : values.ToString();

    private static bool IsRepresentationMetadata(string name)
        => name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)
            || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
            || name.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase)
            || name.Equals("Content-Language", StringComparison.OrdinalIgnoreCase)
            || name.Equals("Content-Range", StringComparison.OrdinalIgnoreCase);

    /// <summary>A short plain-text error of the proxy's own (502, 504, 400), never a stack trace.</summary>
    public static Task WriteErrorAsync(HttpContext context, int status, string text, string cacheStatus, EdgeCacheStatus cf, string via)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        StoredResponseWriter.WriteCacheHeaders(response, -1, cacheStatus, cf, via);
        return response.WriteAsync(text, context.RequestAborted);
    }
}
