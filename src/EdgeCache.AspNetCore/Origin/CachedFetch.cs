namespace EdgeCache.AspNetCore.Origin;

/// <summary>
/// A fetch with Cloudflare's <c>cf</c> cache options: answered from <see cref="CacheStorage.Default"/>
/// when a fresh copy is there, otherwise from the origin, whose response is then stored as the
/// options say while it streams to the caller.
/// </summary>
internal static class CachedFetch
{
    private static readonly string[] ValidatorAndRangeHeaders = ["Range", "If-Range", "If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since"];

    public static async Task<HttpResponseMessage> SendAsync(
        HttpRequestMessage request,
        CacheFetchOptions options,
        CacheStorage caches,
        Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send,
        Action<Task> waitUntil,
        CancellationToken cancellationToken)
    {
        options.Validate();
        var isGet = request.Method == HttpMethod.Get;
        if (options.IsEmpty || !(isGet || request.Method == HttpMethod.Head) || request.RequestUri is not { IsAbsoluteUri: true } url)
        {
            return await send(request, cancellationToken).ConfigureAwait(false);
        }

        // The lookup key keeps the caller's Range and validators, so a hit answers them (206 / 304).
        var cacheKey = request.WithUrl(url);
        cacheKey.Method = HttpMethod.Get;
        if (options.CacheKey is { } custom)
        {
            cacheKey.WithCacheKey(custom);
        }

        var cache = caches.Default;
        var hit = await cache.MatchAsync(cacheKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (hit is not null)
        {
            return hit;
        }

        // On a miss, fetch the whole object so that it can be stored, whatever the caller asked for.
        if (isGet)
        {
            foreach (var name in ValidatorAndRangeHeaders)
            {
                request.Headers.Remove(name);
            }
        }

        var response = await send(request, cancellationToken).ConfigureAwait(false);
        if (options.CacheTags is { Count: > 0 } tags)
        {
            response.Headers.TryAddWithoutValidation("Cache-Tag", string.Join(",", tags));
        }

        response.Headers.TryAddWithoutValidation("cf-cache-status", "MISS");
        if (isGet)
        {
            waitUntil(cache.PutForFetchAsync(cacheKey, response.Clone(), options.TtlFor((int)response.StatusCode), CancellationToken.None));
        }

        return response;
    }
}
