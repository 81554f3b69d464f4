using EdgeCache.Diagnostics;
using EdgeCache.Server.Status;

namespace EdgeCache.Server;

/// <summary>
/// Counts every answered request by the cache status its response carries (<c>cf-cache-status</c>;
/// none means the handler made the response itself: DYNAMIC), so the count is the same whichever
/// handler runs; feeds the status page's counters and, when the admin listener is on, its top URLs.
/// </summary>
internal sealed class RequestMetricsMiddleware(RequestDelegate next, CacheStatusCounters counters, TopKeyTracker topKeys, ServerSettings settings)
{
    private readonly bool _trackKeys = settings.AdminListenUri is not null;

    public async Task InvokeAsync(HttpContext context)
    {
        await next(context).ConfigureAwait(false);
        var status = context.Response.Headers["cf-cache-status"];
        var cacheStatus = status.Count > 0 ? status[0]! : "DYNAMIC";
        EdgeCacheTelemetry.RecordRequest(cacheStatus, HttpMethods.IsHead(context.Request.Method) ? 0 : context.Response.ContentLength ?? 0);
        counters.Record(cacheStatus);
        if (_trackKeys)
        {
            topKeys.Record(context);
        }
    }
}
