using EdgeCache.AspNetCore;

namespace EdgeCache.Server.Handlers;

/// <summary>
/// The proxy handler: GETs are answered from the default cache when a fresh copy is there, and
/// otherwise fetched and stored as the origin's own headers allow; every other method passes through.
/// </summary>
internal static class ProxyHandler
{
    public static async Task<HttpResponseMessage> HandleAsync(FetchEvent e)
    {
        var request = e.Request;
        var cache = e.Caches.Default;
        if (request.Method == HttpMethod.Get)
        {
            var cached = await cache.MatchAsync(request, cancellationToken: e.RequestAborted).ConfigureAwait(false);
            if (cached is not null)
            {
                return cached;
            }
        }

        var cacheKey = request.Method == HttpMethod.Get ? request.WithUrl(request.RequestUri!) : null;
        var response = await e.FetchAsync(request).ConfigureAwait(false);
        if (cacheKey is not null && (int)response.StatusCode is not (206 or 101) && !HasVaryStar(response))
        {
            e.WaitUntil(cache.PutAsync(cacheKey, response.Clone()));
        }

        return response;
    }

    private static bool HasVaryStar(HttpResponseMessage response)
        => response.Headers.NonValidated.TryGetValues("Vary", out var vary) && vary.ToString().Contains('*', StringComparison.Ordinal);
}
