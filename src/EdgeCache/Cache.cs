using System.Buffers;
using EdgeCache.CacheApi;
using EdgeCache.Diagnostics;
using EdgeCache.Entries;
using EdgeCache.Http;
using EdgeCache.Semantics;
using EdgeCache.Storage;
using Microsoft.Extensions.Logging;

namespace EdgeCache;

/// <summary>
/// One cache of the Cache API: Cloudflare's <c>Cache</c> with .NET types. Obtain it from
/// <see cref="CacheStorage.Default"/> or <see cref="CacheStorage.OpenAsync"/>.
/// </summary>
/// <remarks>
/// The key is the request URL exactly as given (or the custom key of
/// <see cref="CacheRequestOptions.CacheKey"/>). Request headers are not part of the key, but the
/// key request's <c>Range</c>, <c>If-None-Match</c> and <c>If-Modified-Since</c> are answered on a hit.
/// </remarks>
public sealed class Cache
{
    /// <summary>Store keys of named caches start with this.</summary>
    internal const string NamedKeyPrefix = "named:";

    /// <summary>Prefix of default-cache custom keys that would otherwise look like a named cache's.</summary>
    internal const string EscapedKeyPrefix = "default:";

    private readonly ICacheStore _store;
    private readonly CacheOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _keyPrefix;
    private readonly WorkersCachePolicy _putRules;
    private readonly WorkersCachePolicy _fetchRules;

    internal Cache(string name, string keyPrefix, ICacheStore store, CacheOptions options, TimeProvider time, ILogger logger)
    {
        Name = name;
        _keyPrefix = keyPrefix;
        _store = store;
        _options = options;
        _time = time;
        _logger = logger;
        _putRules = new WorkersCachePolicy(options, edgeTtl: null, rejectionsThrow: true);
        _fetchRules = new WorkersCachePolicy(options, edgeTtl: null, rejectionsThrow: false);
    }

    /// <summary>The cache's name; <c>default</c> for <see cref="CacheStorage.Default"/>.</summary>
    public string Name { get; }

    /// <summary>
    /// Finds a fresh response stored for the request, or <see langword="null"/>. Never contacts an origin.
    /// Only GET requests match unless <see cref="CacheQueryOptions.IgnoreMethod"/> is set.
    /// The response carries <c>cf-cache-status: HIT</c> and an <c>Age</c> that grows while the entry is cached.
    /// </summary>
    public async Task<HttpResponseMessage?> MatchAsync(HttpRequestMessage request, CacheQueryOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var url = UrlOf(request);
        if (request.Method != HttpMethod.Get && options?.IgnoreMethod != true)
        {
            return null;
        }

        var key = StoreKey(request, url);
        CacheEntry? entry;
        try
        {
            using var activity = EdgeCacheTelemetry.ActivitySource.StartActivity("edgecache.lookup");
            entry = await _store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("edgecache.hit", entry is not null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.MatchFailed(_logger, key, ex);
            return null;
        }

        if (entry is null || entry.Metadata.Invalidated)
        {
            return null;
        }

        try
        {
            return WorkersMatchResponder.Build(entry, request, _time.GetUtcNow());
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A body the store can no longer open is a miss, never a failed request.
            Log.MatchFailed(_logger, key, ex);
            return null;
        }
    }

    /// <summary>Finds a fresh response stored for a URL, or <see langword="null"/>.</summary>
    public Task<HttpResponseMessage?> MatchAsync(string url, CacheQueryOptions? options = null, CancellationToken cancellationToken = default)
        => MatchAsync(RequestFor(url), options, cancellationToken);

    /// <summary>
    /// Stores a response under the request's key, following Cloudflare's rules: it honours
    /// <c>Cache-Control</c>, <c>Expires</c>, <c>Set-Cookie</c>, <c>Age</c> and default edge TTLs, and consumes
    /// the response body (give it <c>response.Clone()</c> if you also return the response).
    /// </summary>
    /// <returns><see langword="true"/> when the response was stored; <see langword="false"/> when the rules or the store declined it.</returns>
    /// <exception cref="ArgumentException">
    /// The key is not a GET request or not an absolute URL, or the response is a 206, a 101, or carries <c>Vary: *</c>.
    /// </exception>
    public async Task<bool> PutAsync(HttpRequestMessage request, HttpResponseMessage response, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        using var owned = response;
        return await StoreAsync(request, response, _putRules, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores a response for a fetch with cache options: under <paramref name="edgeTtl"/> when one is
    /// given (overriding the origin's freshness headers), otherwise by the usual rules. Never throws for
    /// the response's shape; <see langword="false"/> when nothing was stored.
    /// </summary>
    public async Task<bool> PutForFetchAsync(HttpRequestMessage request, HttpResponseMessage response, TimeSpan? edgeTtl, CancellationToken cancellationToken)
    {
        using var owned = response;
        var policy = edgeTtl is { } ttl ? new WorkersCachePolicy(_options, ttl, rejectionsThrow: false) : _fetchRules;
        return await StoreAsync(request, response, policy, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> StoreAsync(HttpRequestMessage request, HttpResponseMessage response, WorkersCachePolicy policy, CancellationToken cancellationToken)
    {
        var url = UrlOf(request);
        var key = StoreKey(request, url);
        var requestTime = _time.GetUtcNow();
        var fetched = FetchedResponse.ForPut(request, response, requestTime, _time.GetUtcNow());
        var decision = policy.Decide(fetched);
        if (!decision.Store)
        {
            if (response.StatusCode == System.Net.HttpStatusCode.NotModified)
            {
                Log.PutIgnored304(_logger, key);
            }
            else
            {
                Log.PutNotStored(_logger, key, decision.Reason);
            }

            return false;
        }

        var declaredLength = response.Content?.Headers.ContentLength;
        if (declaredLength > _options.MaxObjectSize)
        {
            Log.PutTooLarge(_logger, key, _options.MaxObjectSize);
            return false;
        }

        var metadata = EntryBuilder.Build(
            key, url.AbsoluteUri, url.IdnHost.ToLowerInvariant(), fetched, decision,
            EntryBuilder.StoredHeaders(fetched, decision.StrippedFields, policy), declaredLength ?? -1);

        try
        {
            using var activity = EdgeCacheTelemetry.ActivitySource.StartActivity("edgecache.store.write");
            var writer = await _store.BeginWriteAsync(metadata, cancellationToken).ConfigureAwait(false);
            if (writer is null)
            {
                Log.PutDeclined(_logger, key);
                return false;
            }

            await using (writer.ConfigureAwait(false))
            {
                if (response.Content is not null && !await CopyBodyAsync(response.Content, writer, key, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }

                var committed = await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
                if (!committed)
                {
                    Log.PutDeclined(_logger, key);
                }

                return committed;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.PutFailed(_logger, key, ex);
            return false;
        }
    }

    /// <summary>Stores a response under a URL. See <see cref="PutAsync(HttpRequestMessage, HttpResponseMessage, CancellationToken)"/>.</summary>
    public Task<bool> PutAsync(string url, HttpResponseMessage response, CancellationToken cancellationToken = default)
        => PutAsync(RequestFor(url), response, cancellationToken);

    /// <summary>
    /// Removes the response stored for the request. Returns <see langword="true"/> if one was removed,
    /// <see langword="false"/> if none was cached (or the request is not a GET and <see cref="CacheQueryOptions.IgnoreMethod"/> is not set).
    /// </summary>
    public async Task<bool> DeleteAsync(HttpRequestMessage request, CacheQueryOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var url = UrlOf(request);
        if (request.Method != HttpMethod.Get && options?.IgnoreMethod != true)
        {
            return false;
        }

        return await _store.DeleteAsync(StoreKey(request, url), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the response stored for a URL.</summary>
    public Task<bool> DeleteAsync(string url, CacheQueryOptions? options = null, CancellationToken cancellationToken = default)
        => DeleteAsync(RequestFor(url), options, cancellationToken);

    private async Task<bool> CopyBodyAsync(HttpContent content, ICacheEntryWriter writer, string key, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                long total = 0;
                int read;
                while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    total += read;
                    if (total > _options.MaxObjectSize)
                    {
                        Log.PutTooLarge(_logger, key, _options.MaxObjectSize);
                        return false;
                    }

                    if (!await writer.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false))
                    {
                        Log.PutDeclined(_logger, key);
                        return false;
                    }
                }

                return true;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private string StoreKey(HttpRequestMessage request, Uri url)
    {
        var key = request.Options.TryGetValue(CacheRequestOptions.CacheKey, out var custom) && !string.IsNullOrEmpty(custom)
            ? custom
            : url.AbsoluteUri;
        if (_keyPrefix.Length != 0)
        {
            return string.Concat(_keyPrefix, key);
        }

        // A custom key of the default cache may be any string: one that looks like a named cache's
        // namespace (or like this escape) is escaped, so named caches stay disjoint from the default.
        return key.StartsWith(NamedKeyPrefix, StringComparison.Ordinal) || key.StartsWith(EscapedKeyPrefix, StringComparison.Ordinal)
            ? string.Concat(EscapedKeyPrefix, key)
            : key;
    }

    private static Uri UrlOf(HttpRequestMessage request)
    {
        if (request.RequestUri is not { IsAbsoluteUri: true } uri || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("Invalid URL. Cache API keys must be fully-qualified, valid URLs.", nameof(request));
        }

        return uri;
    }

    private static HttpRequestMessage RequestFor(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new ArgumentException("Invalid URL. Cache API keys must be fully-qualified, valid URLs.", nameof(url));
        }

        return new HttpRequestMessage(HttpMethod.Get, uri);
    }
}
