using EdgeCache.AspNetCore;
using Jint;
using Jint.Native;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>The host functions behind a script's <c>caches</c>: match, put and delete on the same <c>CacheStorage</c> as C#.</summary>
internal sealed partial class WorkerRuntime
{
    // cacheMatch(name, method, url, flatHeaders, ignoreMethod, cacheKey)
    private JsValue CacheMatch(JsValue[] a)
    {
        var request = CacheKeyRequest(a[1].AsString(), a[2].AsString(), a[3], a[5]);
        var options = a[4].AsBoolean() ? new CacheQueryOptions { IgnoreMethod = true } : null;
        var url = a[2].AsString();
        return Promise(MatchAsync(CacheName(a[0]), request, options), response => response is null ? JsValue.Undefined : ToJs(response, url, immutable: true));
    }

    // cachePut(name, url, requestHeaders, cacheKey, status, statusText, responseHeaders, bodyKind, body)
    private JsValue CachePut(JsValue[] a)
    {
        HttpRequestMessage request;
        HttpResponseMessage response;
        try
        {
            request = CacheKeyRequest("GET", a[1].AsString(), a[2], a[3]);
            response = MessageConversion.ToResponse((int)a[4].AsNumber(), a[5].AsString(), List(a[6]), (int)a[7].AsNumber(), a[8], StreamContent);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            throw TypeError(ex.Message);
        }

        return Promise(PutAsync(CacheName(a[0]), request, response), _ => JsValue.Undefined);
    }

    // cacheDelete(name, method, url, flatHeaders, ignoreMethod, cacheKey)
    private JsValue CacheDelete(JsValue[] a)
    {
        var request = CacheKeyRequest(a[1].AsString(), a[2].AsString(), a[3], a[5]);
        var options = a[4].AsBoolean() ? new CacheQueryOptions { IgnoreMethod = true } : null;
        return Promise(DeleteAsync(CacheName(a[0]), request, options), deleted => deleted ? JsBoolean.True : JsBoolean.False);
    }

    private static string? CacheName(JsValue name) => name.IsString() ? name.AsString() : null;

    private HttpRequestMessage CacheKeyRequest(string method, string url, JsValue flat, JsValue cacheKey)
    {
        try
        {
            var request = MessageConversion.ToRequest(method, url, List(flat), MessageConversion.NoBody, JsValue.Undefined, incoming: _current?.Event.Request.RequestUri);
            return cacheKey.IsString() ? request.WithCacheKey(cacheKey.AsString()) : request;
        }
        catch (ArgumentException ex)
        {
            throw TypeError(ex.Message);
        }
    }

    private async Task<HttpResponseMessage?> MatchAsync(string? name, HttpRequestMessage request, CacheQueryOptions? options)
    {
        var cache = name is null ? _caches.Default : await _caches.OpenAsync(name).ConfigureAwait(false);
        return await cache.MatchAsync(request, options).ConfigureAwait(false);
    }

    private async Task<bool> PutAsync(string? name, HttpRequestMessage request, HttpResponseMessage response)
    {
        var cache = name is null ? _caches.Default : await _caches.OpenAsync(name).ConfigureAwait(false);
        return await cache.PutAsync(request, response).ConfigureAwait(false);
    }

    private async Task<bool> DeleteAsync(string? name, HttpRequestMessage request, CacheQueryOptions? options)
    {
        var cache = name is null ? _caches.Default : await _caches.OpenAsync(name).ConfigureAwait(false);
        return await cache.DeleteAsync(request, options).ConfigureAwait(false);
    }
}
