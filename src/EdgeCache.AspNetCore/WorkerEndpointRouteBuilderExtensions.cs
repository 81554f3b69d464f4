using EdgeCache.AspNetCore.Bridge;
using EdgeCache.AspNetCore.Hosting;
using EdgeCache.AspNetCore.Origin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCache.AspNetCore;

/// <summary>Maps a Workers-style fetch handler.</summary>
public static partial class WorkerEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Runs <paramref name="handler"/> for every request (any method, any path), like
    /// <c>addEventListener('fetch', ...)</c> with <c>event.respondWith(handler(event))</c>.
    /// A handler that throws gives a 500 with a short plain-text body, or, after
    /// <see cref="FetchEvent.PassThroughOnException"/>, the origin's response. <c>Cache-Tag</c> never reaches
    /// the client unless <see cref="EdgeCacheOptions.ExposeCacheTags"/>.
    /// </summary>
    public static IEndpointConventionBuilder MapWorker(this IEndpointRouteBuilder endpoints, Func<FetchEvent, Task<HttpResponseMessage>> handler)
        => endpoints.MapWorker("/{**path}", handler);

    /// <summary>
    /// Runs <paramref name="handler"/> for the requests that match a route <paramref name="pattern"/> (any
    /// method), like a Worker bound to a route (<c>example.com/api/*</c>): several workers can serve one app,
    /// e.g. <c>MapWorker("/api/{**rest}", api)</c> beside <c>MapWorker(site)</c> for everything else (the more
    /// specific route wins). The request's URL is still the whole visitor path mapped onto the origin.
    /// </summary>
    public static IEndpointConventionBuilder MapWorker(this IEndpointRouteBuilder endpoints, string pattern, Func<FetchEvent, Task<HttpResponseMessage>> handler)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(handler);
        var services = endpoints.ServiceProvider;
        var options = services.GetRequiredService<IOptions<EdgeCacheOptions>>().Value;
        var origin = options.Origin ?? throw new InvalidOperationException("MapWorker needs EdgeCacheOptions.Origin: set it in AddEdgeCache(o => o.Origin = new Uri(\"http://...\")).");
        var caches = services.GetRequiredService<CacheStorage>();
        var originClient = services.GetRequiredService<OriginClient>();
        var tracker = services.GetRequiredService<WaitUntilTracker>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeCache.Worker");

        return endpoints.Map(pattern, async context =>
        {
            if (CanonicalTarget.Remember(context) is null)
            {
                // A target with no path to forward (asterisk or authority form, a fragment) is refused, as the caching
                // proxy refuses it: mapped onto the origin it became a request for the origin's root, which the
                // worker then fetched (and the reference example cached) under the root's key.
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync("400 Bad Request: the URL cannot be forwarded.\n", context.RequestAborted).ConfigureAwait(false);
                return;
            }

            var fetchEvent = new FetchEvent(context, origin, caches, originClient, tracker, options.ExposeCacheTags);
            HttpResponseMessage response;
            try
            {
                response = await handler(fetchEvent).ConfigureAwait(false);
            }
            catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested)
            {
                LogHandlerFailed(logger, RequestMessageFactory.DisplayUrl(context), ex);
                response = fetchEvent.PassThrough
                    ? await PassThroughAsync(context, origin, originClient, logger).ConfigureAwait(false)
                    : ex switch
                    {
                        // An origin that cannot be reached is a gateway problem, not the worker's.
                        HttpRequestException => PlainText(System.Net.HttpStatusCode.BadGateway, "The origin could not be reached."),
                        TimeoutException => PlainText(System.Net.HttpStatusCode.GatewayTimeout, "The origin did not answer in time."),
                        _ => PlainText(System.Net.HttpStatusCode.InternalServerError, "The worker failed to handle this request."),
                    };
            }

            using (response)
            {
                await ResponseMessageWriter.WriteAsync(context, response, options.ExposeCacheTags).ConfigureAwait(false);
            }
        });
    }

    private static async Task<HttpResponseMessage> PassThroughAsync(HttpContext context, Uri origin, OriginClient client, ILogger logger)
    {
        try
        {
            return await client.SendAsync(RequestMessageFactory.Create(context, origin), context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            LogOriginFailed(logger, RequestMessageFactory.DisplayUrl(context), ex);
            return PlainText(ex is TimeoutException ? System.Net.HttpStatusCode.GatewayTimeout : System.Net.HttpStatusCode.BadGateway, "The origin could not be reached.");
        }
    }

    internal static HttpResponseMessage PlainText(System.Net.HttpStatusCode status, string text)
        => new(status) { Content = new StringContent(text + "\n") };

    [LoggerMessage(311, LogLevel.Error, "The worker threw while handling {Url}")]
    private static partial void LogHandlerFailed(ILogger logger, string url, Exception exception);

    [LoggerMessage(312, LogLevel.Warning, "Pass-through to the origin failed for {Url}")]
    private static partial void LogOriginFailed(ILogger logger, string url, Exception exception);
}
