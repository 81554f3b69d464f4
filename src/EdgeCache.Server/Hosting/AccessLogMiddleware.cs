using EdgeCache.AspNetCore;
using System.Diagnostics;
using Microsoft.AspNetCore.Http.Extensions;

namespace EdgeCache.Server.Hosting;

/// <summary>
/// The optional access log (<c>--access-log</c>): one line per request with method, URL, status,
/// cache status, body bytes and duration, under the log category <c>EdgeCache.AccessLog</c>.
/// </summary>
internal sealed partial class AccessLogMiddleware(RequestDelegate next, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger("EdgeCache.AccessLog");

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            var response = context.Response;
            var cacheStatus = context.Features.Get<IEdgeCacheFeature>()?.Status ?? EdgeCacheStatus.None;
            LogRequest(
                _logger,
                context.Request.Method,
                context.Request.GetEncodedPathAndQuery(),
                response.StatusCode,
                cacheStatus == EdgeCacheStatus.None ? "-" : cacheStatus.ToHeaderValue(),
                response.ContentLength ?? -1,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                context.RequestAborted.IsCancellationRequested ? " (client went away)" : string.Empty);
        }
    }

    [LoggerMessage(501, LogLevel.Information, "{Method} {Url} {Status} {CacheStatus} {Bytes} {DurationMs:0.0}ms{Aborted}")]
    private static partial void LogRequest(ILogger logger, string method, string url, int status, string cacheStatus, long bytes, double durationMs, string aborted);
}
