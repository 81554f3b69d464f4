using EdgeCache.Diagnostics;

namespace EdgeCache.Server;

/// <summary>
/// Counts every answered request by the cache status its response carries (<c>cf-cache-status</c>;
/// none means the handler made the response itself: DYNAMIC), so the count is the same whichever
/// handler runs.
/// </summary>
internal sealed class RequestMetricsMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context).ConfigureAwait(false);
        var status = context.Response.Headers["cf-cache-status"];
        EdgeCacheTelemetry.RecordRequest(
            status.Count > 0 ? status[0]! : "DYNAMIC",
            HttpMethods.IsHead(context.Request.Method) ? 0 : context.Response.ContentLength ?? 0);
    }
}
