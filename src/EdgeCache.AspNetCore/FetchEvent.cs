using EdgeCache.AspNetCore.Bridge;
using EdgeCache.AspNetCore.Hosting;
using EdgeCache.AspNetCore.Origin;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;

namespace EdgeCache.AspNetCore;

/// <summary>
/// Cloudflare's <c>FetchEvent</c>: the request a worker handles, the caches, the origin, and
/// <see cref="WaitUntil"/> for work that continues after the response is sent.
/// </summary>
public sealed class FetchEvent
{
    private readonly OriginClient _origin;
    private readonly WaitUntilTracker _tracker;
    private readonly Uri _originBase;
    private Uri? _url;

    private readonly bool _exposeCacheTags;

    internal FetchEvent(HttpContext context, Uri origin, CacheStorage caches, OriginClient originClient, WaitUntilTracker tracker, bool exposeCacheTags)
    {
        _exposeCacheTags = exposeCacheTags;
        HttpContext = context;
        _originBase = origin;
        Caches = caches;
        _origin = originClient;
        _tracker = tracker;
        Request = RequestMessageFactory.Create(context, origin);
    }

    /// <summary>
    /// The incoming request, its URL mapped onto the configured origin: <see cref="Origin"/>'s scheme, host
    /// and port (and path, as a base) with the visitor's path and query. Its headers are the visitor's
    /// (minus hop-by-hop fields and <c>Host</c>) and its body streams from the client: read it with
    /// <c>CloneAsync()</c> or <c>TextAsync()</c> to keep it forwardable. A POST, PUT or PATCH without a body
    /// has an empty <see cref="HttpRequestMessage.Content"/>, never null.
    /// </summary>
    public HttpRequestMessage Request { get; }

    /// <summary>
    /// The URL the visitor asked for (JavaScript's <c>new URL(request.url)</c> in a Worker): scheme, the
    /// <c>Host</c> header, path base, path and query, as received. The host comes from the client, so treat it
    /// as input: a key built from it is the visitor's choice.
    /// </summary>
    public Uri Url => _url ??= VisitorUrl(HttpContext);

    /// <summary>The configured origin (<see cref="EdgeCacheOptions.Origin"/>) that <see cref="Request"/> is mapped onto.</summary>
    public Uri Origin => _originBase;

    /// <summary>Cloudflare's <c>caches</c>: <see cref="CacheStorage.Default"/> and named caches.</summary>
    public CacheStorage Caches { get; }

    /// <summary>Fires when the client goes away.</summary>
    public CancellationToken RequestAborted => HttpContext.RequestAborted;

    /// <summary>The ASP.NET Core context of the request, for what the Workers model has no word for.</summary>
    public HttpContext HttpContext { get; }

    internal bool PassThrough { get; private set; }

    /// <summary>
    /// Sends a request to its URL (usually the origin) and returns as soon as the response headers
    /// arrive; the body streams. Redirects are returned, not followed.
    /// </summary>
    public Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _origin.SendAsync(request, cancellationToken.CanBeCanceled ? cancellationToken : RequestAborted);
    }

    /// <summary>
    /// Sends a request with Cloudflare's <c>cf</c> cache options: with any option set, a GET or HEAD goes
    /// through <see cref="CacheStorage.Default"/> the way Cloudflare's CDN does (a fresh stored copy answers
    /// it with <c>cf-cache-status: HIT</c>; otherwise the origin does, with <c>MISS</c>, and its response is
    /// stored by the options: edge TTL, TTL by status, custom key, tags). Without <see cref="CacheFetchOptions.CacheEverything"/>
    /// or an edge TTL, a response the origin gives no max-age, s-maxage or Expires is stored only for Cloudflare's
    /// default static extensions; otherwise it is <c>DYNAMIC</c>. The returned response carries no <c>Cache-Tag</c>
    /// (unless <see cref="EdgeCacheOptions.ExposeCacheTags"/>): the tags stay with the stored copy.
    /// </summary>
    /// <exception cref="ArgumentException">An option is out of range (e.g. a negative <see cref="CacheFetchOptions.CacheTtl"/>).</exception>
    public Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request, CacheFetchOptions cf, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(cf);
        return CachedFetch.SendAsync(
            request, cf, Caches, FetchAsync, WaitUntil, _exposeCacheTags, cancellationToken.CanBeCanceled ? cancellationToken : RequestAborted);
    }

    /// <summary>Sends a GET for a URL; a relative URL is resolved against the origin.</summary>
    public Task<HttpResponseMessage> FetchAsync(string url, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        return FetchAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(_originBase, url)), cancellationToken);
    }

    /// <summary>
    /// Sends a GET for a URL with Cloudflare's <c>cf</c> cache options (JavaScript's
    /// <c>fetch(url, { cf: { ... } })</c>); a relative URL is resolved against the origin.
    /// </summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public Task<HttpResponseMessage> FetchAsync(string url, CacheFetchOptions cf, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        return FetchAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(_originBase, url)), cf, cancellationToken);
    }

    /// <summary>
    /// Keeps <paramref name="work"/> running after the response is sent. Its failure is logged and
    /// never affects the response; shutdown waits for it.
    /// </summary>
    public void WaitUntil(Task work) => _tracker.Track(work);

    /// <summary>If the handler then throws, the request is forwarded to the origin instead of failing.</summary>
    public void PassThroughOnException() => PassThrough = true;

    private static Uri VisitorUrl(HttpContext context)
    {
        if (Uri.TryCreate(context.Request.GetEncodedUrl(), UriKind.Absolute, out var url))
        {
            return url;
        }

        // No usable Host (an HTTP/1.0 request may send none): name the listener's own address instead.
        var local = context.Connection.LocalIpAddress ?? System.Net.IPAddress.Loopback;
        var builder = new UriBuilder(context.Request.Scheme, local.ToString(), context.Connection.LocalPort)
        {
            Path = context.Request.PathBase.Add(context.Request.Path).ToUriComponent(),
            Query = context.Request.QueryString.ToUriComponent(),
        };
        return builder.Uri;
    }
}
