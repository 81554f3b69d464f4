using EdgeCache.Http;
using EdgeCache.Semantics;

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
        bool exposeCacheTags,
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
            return WithoutCacheTags(hit, exposeCacheTags);
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
            response.Headers.TryAddWithoutValidation(CacheTags.Header, string.Join(",", tags));
        }

        var ttl = options.TtlFor((int)response.StatusCode);
        var eligible = ttl is not null || options.CacheEverything || HasExplicitFreshness(response) || DefaultCacheableExtensions.IsDefault(Bridge.CanonicalTarget.ExtensionOf(url.AbsolutePath));
        response.Headers.TryAddWithoutValidation(EdgeCacheStatusNames.Header, eligible ? EdgeCacheStatusNames.Miss : EdgeCacheStatusNames.Dynamic);
        if (isGet && eligible)
        {
            // The stored copy keeps the tags (purge by tag reads them from it).
            waitUntil(cache.PutForFetchAsync(cacheKey, response.Clone(), ttl, CancellationToken.None));
        }

        return WithoutCacheTags(response, exposeCacheTags);
    }

    /// <summary>
    /// Cloudflare removes <c>Cache-Tag</c> before it passes a response to a Worker: the tags are the cache's
    /// purge metadata, not part of the response. Kept when <paramref name="expose"/> (for debugging).
    /// </summary>
    private static HttpResponseMessage WithoutCacheTags(HttpResponseMessage response, bool expose)
    {
        if (!expose)
        {
            response.Headers.Remove(CacheTags.Header);
        }

        return response;
    }

    /// <summary>The origin said how long to keep the response (max-age, s-maxage or Expires): no default TTL is needed.</summary>
    private static bool HasExplicitFreshness(HttpResponseMessage response)
    {
        if (HttpMessageHeaders.Values(response.Headers, response.Content, "Expires") is not null)
        {
            return true;
        }

        var cc = CacheControlDirectives.Parse(HttpMessageHeaders.Values(response.Headers, response.Content, "Cache-Control"));
        return cc.MaxAge is not null || cc.SharedMaxAge is not null;
    }
}
