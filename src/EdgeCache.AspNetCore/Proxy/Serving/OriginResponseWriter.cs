using EdgeCache.AspNetCore.Bridge;
using EdgeCache.Http;

namespace EdgeCache.AspNetCore.Proxy;

/// <summary>Writes an origin response that is not served from the cache (pass, hit-for-pass, uncacheable).</summary>
internal static class OriginResponseWriter
{
    /// <summary>
    /// Copies the status, the end-to-end headers (without the fields that stay in this cache,
    /// <see cref="StoredResponseWriter.StaysHere"/>) and the streamed body through the one writer of
    /// response messages (<see cref="ResponseMessageWriter"/>); adds Date when missing, Via, Cache-Status and
    /// cf-cache-status.
    /// </summary>
    public static async Task WriteAsync(HttpContext context, HttpResponseMessage message, string cacheStatus, EdgeCacheStatus cf, string via, DateTimeOffset now, PassedOnFields passOn, bool evaluatePreconditions = false)
    {
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

        var fields = new PassOnState(passOn, status == StatusCodes.Status304NotModified && outcome == PreconditionOutcome.NotModified, cacheStatus, cf, via, now);
        await ResponseMessageWriter.WriteAsync(
            context,
            message,
            status,
            reasonPhrase: null,
            static (name, fields) => !StoredResponseWriter.StaysHere(name, fields.PassOn) && !(fields.NotModified && IsRepresentationMetadata(name)),
            static (context, _, fields) =>
            {
                var response = context.Response;
                if (response.Headers.Date.Count == 0)
                {
                    response.Headers.Date = HttpDate.Format(fields.Now);
                }

                StoredResponseWriter.WriteCacheHeaders(response, -1, fields.CacheStatus, fields.Cf, fields.Via);
            },
            fields).ConfigureAwait(false);
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

    private readonly record struct PassOnState(PassedOnFields PassOn, bool NotModified, string CacheStatus, EdgeCacheStatus Cf, string Via, DateTimeOffset Now);

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
