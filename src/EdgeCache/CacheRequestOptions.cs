namespace EdgeCache;

/// <summary>
/// Per-request cache settings carried in <see cref="HttpRequestMessage.Options"/>, the .NET shape of
/// Cloudflare's <c>request.cf</c> cache fields.
/// </summary>
public static class CacheRequestOptions
{
    /// <summary>
    /// A custom cache key (Cloudflare's <c>cf.cacheKey</c>). When a key request carries it,
    /// match, put and delete use this string instead of the request URL.
    /// </summary>
    public static readonly HttpRequestOptionsKey<string> CacheKey = new("EdgeCache.CacheKey");

    /// <summary>Sets <see cref="CacheKey"/> on a request and returns the request.</summary>
    public static HttpRequestMessage WithCacheKey(this HttpRequestMessage request, string cacheKey)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(cacheKey);
        request.Options.Set(CacheKey, cacheKey);
        return request;
    }

    /// <summary>
    /// A new request for <paramref name="url"/> with the method and headers of <paramref name="init"/>:
    /// the twin of JavaScript's <c>new Request(url, request)</c>. The body is not copied.
    /// </summary>
    public static HttpRequestMessage WithUrl(this HttpRequestMessage init, Uri url)
    {
        ArgumentNullException.ThrowIfNull(init);
        ArgumentNullException.ThrowIfNull(url);
        var copy = new HttpRequestMessage(init.Method, url) { Version = init.Version, VersionPolicy = init.VersionPolicy };
        Http.HttpMessageHeaders.CopyTo(init.Headers, copy.Headers);

        foreach (var option in init.Options)
        {
            ((IDictionary<string, object?>)copy.Options)[option.Key] = option.Value;
        }

        return copy;
    }

    /// <summary>
    /// JavaScript's <c>new Request(url, { headers: request.headers, method })</c>: as <see cref="WithUrl(HttpRequestMessage, Uri)"/>
    /// with another method, e.g. a GET cache key made from a POST.
    /// </summary>
    public static HttpRequestMessage WithUrl(this HttpRequestMessage init, Uri url, HttpMethod method)
    {
        ArgumentNullException.ThrowIfNull(method);
        var copy = init.WithUrl(url);
        copy.Method = method;
        return copy;
    }

    /// <summary><see cref="WithUrl(HttpRequestMessage, Uri)"/> with the URL as a string (absolute).</summary>
    public static HttpRequestMessage WithUrl(this HttpRequestMessage init, string url)
        => init.WithUrl(new Uri(url ?? throw new ArgumentNullException(nameof(url)), UriKind.Absolute));

    /// <summary><see cref="WithUrl(HttpRequestMessage, Uri, HttpMethod)"/> with the URL as a string (absolute).</summary>
    public static HttpRequestMessage WithUrl(this HttpRequestMessage init, string url, HttpMethod method)
        => init.WithUrl(new Uri(url ?? throw new ArgumentNullException(nameof(url)), UriKind.Absolute), method);
}
