using EdgeCache;
using EdgeCache.AspNetCore;
using Microsoft.Extensions.Logging;

namespace CacheApiExample;

/// <summary>
/// Cloudflare's "Using the Cache API" example, statement for statement
/// (shared/reference/cache-api-example.js). The edgecache server runs this very file as
/// <c>--handler example</c>; samples/CacheApiExample compiles it in as well.
/// </summary>
public static class ExampleWorker
{
    /// <summary>The example's <c>handleRequest(event)</c>.</summary>
    public static async Task<HttpResponseMessage> HandleRequest(FetchEvent e, ILogger logger)
    {
        var request = e.Request;
        var cacheUrl = new Uri(request.RequestUri!.ToString());

        // Construct the cache key from the cache URL
        var cacheKey = request.WithUrl(cacheUrl);
        var cache = e.Caches.Default;

        // Check whether the value is already available in the cache
        // if not, you will need to fetch it from origin, and store it in the cache
        // for future access
        var response = await cache.MatchAsync(cacheKey);

        if (response is null)
        {
            logger.LogInformation(
                "Response for request url: {Url} not present in cache. Fetching and caching request.", request.RequestUri);

            // If not in cache, get it from origin
            response = await e.FetchAsync(request);

            // Must use Response constructor to inherit all of response's fields
            // (in .NET the origin's HttpResponseMessage is already mutable: we keep it as it is).

            // Cache API respects Cache-Control headers. Setting s-max-age to 10
            // will limit the response to be in cache for 10 seconds max

            // Any changes made to the response here will be reflected in the cached value
            response.AppendHeader("Cache-Control", "s-maxage=10");

            // Store the fetched response as cacheKey
            // Use waitUntil so you can return the response without blocking on
            // writing to cache
            e.WaitUntil(cache.PutAsync(cacheKey, response.Clone()));
        }
        else
        {
            logger.LogInformation("Cache hit for: {Url}.", request.RequestUri);
        }

        return response;
    }
}
