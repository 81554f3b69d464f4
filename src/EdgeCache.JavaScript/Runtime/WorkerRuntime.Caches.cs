using EdgeCache.AspNetCore;
using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime;
using Jint.Runtime.Descriptors;
using Jint.Runtime.Interop;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>The host functions behind a script's <c>caches</c>: match, put and delete on the same <c>CacheStorage</c> as C#.</summary>
internal sealed partial class WorkerRuntime
{
    private static readonly JsString UrlKey = new("url");
    private static readonly JsString IgnoreMethodKey = new("ignoreMethod");
    private static readonly JsString CacheKeyKey = new("cacheKey");

    private ObjectInstance? _cachePrototype;
    private JsValue _requestConstructor = JsValue.Undefined;
    private JsValue _instanceOfRequest = JsValue.Undefined;

    private void AddCacheFunctions(Action<string, Func<JsValue[], JsValue>> add)
    {
        // cacheNew(prototype, name): the object behind new Cache(internal, name).
        add("cacheNew", a => new CacheObject(_engine, a[0] as ObjectInstance ?? _cachePrototype!, a[1]));
        add("cacheName", a => CacheOf(a[0], "put").Name);

        // cachesInstall(Cache.prototype, CacheStorage.prototype, caches, caches.default, x => x instanceof Request)
        add("cachesInstall", a =>
        {
            _instanceOfRequest = a[4];
            InstallCaches(a[0].AsObject(), a[1].AsObject(), a[2], a[3]);
            return JsValue.Undefined;
        });
    }

    private CacheObject CacheOf(JsValue self, string name)
        => self as CacheObject ?? throw TypeError($"Illegal invocation: '{name}' was used on an object that is not a Cache.");

    /// <summary>
    /// <c>Cache.prototype.match</c> and <c>delete</c> and the <c>caches.default</c> getter as C# functions: each
    /// hit of the reference example runs them, and in the prelude they were JavaScript calls (the method, its
    /// <c>toRequest</c> and <c>cacheKeyOf</c>, the getter).
    /// </summary>
    private void InstallCaches(ObjectInstance cachePrototype, ObjectInstance storagePrototype, JsValue storage, JsValue defaultCache)
    {
        _cachePrototype = cachePrototype;
        _requestConstructor = _requestPrototype!.Get("constructor");
        void Method(string name, Func<JsValue[], JsValue> host)
            => cachePrototype.DefineOwnProperty(name, new PropertyDescriptor(
                new ClrFunction(_engine, name, (self, a) => CacheQuery(self, name, a.Length > 0 ? a[0] : JsValue.Undefined, a.Length > 1 ? a[1] : JsValue.Undefined, host), 1),
                writable: true, enumerable: false, configurable: true));

        Method("match", CacheMatch);
        Method("delete", CacheDelete);
        storagePrototype.DefineOwnProperty("default", new GetSetPropertyDescriptor(
            new ClrFunction(_engine, "get default", (self, _) => ReferenceEquals(self, storage)
                ? defaultCache
                : throw TypeError("Illegal invocation: 'default' was read from an object that is not a CacheStorage.")),
            JsValue.Undefined, enumerable: false, configurable: true));
    }

    /// <summary>
    /// What fetch.js's match and delete did, in the same order of reads: <c>this</c>'s name, the request (the one
    /// given, or <c>new Request(input)</c>), its method, url and headers, <c>options?.ignoreMethod</c> and
    /// <c>request.cf?.cacheKey</c>; whatever throws is a rejected promise.
    /// </summary>
    private JsValue CacheQuery(JsValue self, string name, JsValue input, JsValue options, Func<JsValue[], JsValue> host)
    {
        try
        {
            var cacheName = CacheOf(self, name).Name;
            var request = IsRequest(input) ? input : _engine.Construct(_requestConstructor, [input]);
            var method = request.Get(MethodKey);
            var url = request.Get(UrlKey);
            var headers = request.Get(HeadersKey);
            var ignoreMethod = !Nullish(options) && TypeConverter.ToBoolean(Member(options, IgnoreMethodKey));
            var cf = request.Get(CfKey);
            var key = Nullish(cf) ? JsValue.Undefined : Member(cf, CacheKeyKey);
            return host([cacheName, method, url, headers, ignoreMethod ? JsBoolean.True : JsBoolean.False, CacheKeyText(key)]);
        }
        catch (JavaScriptException ex)
        {
            return _engine.Call(_promiseReject, _promiseConstructor, [ex.Error]);
        }
    }

    // value.name as a script reads it (a primitive through its wrapper object, as value?.name does).
    private JsValue Member(JsValue value, JsString name)
        => value is ObjectInstance o ? o.Get(name) : _engine.Call(_engine.Intrinsics.Object, [value]).Get(name);

    // String(key), or null for none: what the host takes as cf.cacheKey.
    private static JsValue CacheKeyText(JsValue key) => key switch
    {
        _ when Nullish(key) => JsValue.Null,
        JsString => key,
        JsSymbol => new JsString(key.ToString()),
        _ => new JsString(TypeConverter.ToString(key)),
    };

    // input instanceof Request, as the prelude's toRequest asked it: Request.prototype on its prototype chain.
    private bool IsRequest(JsValue input)
    {
        if (input is WebMessage { IsRequest: true } message && ReferenceEquals(message.Prototype, _requestPrototype))
        {
            return true;
        }

        return input is ObjectInstance && _engine.Call(_instanceOfRequest, JsValue.Undefined, [input]).AsBoolean();
    }

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

            // A host response put as it came is stored as itself, and the store may change its headers: the
            // script's view of them is copied first.
            List(a[6]).Materialize();
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
