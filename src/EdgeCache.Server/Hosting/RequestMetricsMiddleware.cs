using EdgeCache.AspNetCore;
using EdgeCache.Diagnostics;
using EdgeCache.Server.Settings;
using EdgeCache.Server.Status;

namespace EdgeCache.Server.Hosting;

/// <summary>
/// Counts every answered request by its cache status (<see cref="IEdgeCacheFeature"/>; none means
/// the handler made the response itself: DYNAMIC), so the count is the same whichever
/// handler runs; feeds the status page's counters and, when the admin listener is on, its top URLs.
/// </summary>
internal sealed class RequestMetricsMiddleware(RequestDelegate next, CacheStatusCounters counters, TopKeyTracker topKeys, ServerSettings settings)
{
    private readonly bool _trackKeys = settings.AdminListenUri is not null;

    public async Task InvokeAsync(HttpContext context)
    {
        await next(context).ConfigureAwait(false);
        var status = context.Features.Get<IEdgeCacheFeature>()?.Status ?? EdgeCacheStatus.None;
        EdgeCacheTelemetry.RecordRequest(status, HttpMethods.IsHead(context.Request.Method) ? 0 : context.Response.ContentLength ?? 0);
        counters.Record(status);
        if (_trackKeys)
        {
            topKeys.Record(context);
        }
    }
}
