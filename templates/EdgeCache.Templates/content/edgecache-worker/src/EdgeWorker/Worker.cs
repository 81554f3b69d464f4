using EdgeCache;
using EdgeCache.AspNetCore;

namespace EdgeWorker;

/// <summary>Cloudflare's "Using the Cache API" example, statement for statement.</summary>
public static class Worker
{
    /// <summary>The example's <c>handleRequest(event)</c>.</summary>
    public static async Task<HttpResponseMessage> HandleRequestAsync(FetchEvent e)
    {
        var request = e.Request;

        // Construct the cache key from the cache URL
        var cacheKey = request.WithUrl(request.RequestUri!);
        var cache = e.Caches.Default;

        // Check whether the value is already available in the cache;
        // if not, fetch it from the origin and store it in the cache for future access
        var response = await cache.MatchAsync(cacheKey);
        if (response is null)
        {
            response = await e.FetchAsync(request);

            // Cache API respects Cache-Control headers: s-maxage=10 keeps it for 10 seconds at most
            response.AppendHeader("Cache-Control", "s-maxage=10");

            // waitUntil: return the response without waiting for the cache write
            e.WaitUntil(cache.PutAsync(cacheKey, response.Clone()));
        }

        return response;
    }
}
