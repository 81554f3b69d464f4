using System.Collections.Concurrent;
using EdgeCache.AspNetCore.Bridge;
using Microsoft.Extensions.Logging;

namespace EdgeCache.AspNetCore.Proxy;

/// <summary>
/// The RFC 9111 shared cache in front of one origin: looks requests up in the store, serves fresh
/// entries, revalidates stale ones, fetches misses (collapsed per key), stores what may be stored
/// and forwards the rest.
/// </summary>
internal sealed partial class CachingProxy : IDisposable
{
    private static readonly Func<IHeaderDictionary, string, string?> RequestField = static (headers, name)
        => headers.TryGetValue(name, out var value) && value.Count > 0 ? value.ToString() : null;

    private readonly CachingProxyOptions _options;

    private readonly ICacheStore _store;

    private readonly IPurgeFencedStore? _fenced;

    private readonly Origin.OriginClient _client;

    private readonly TimeProvider _time;

    private readonly ILogger _logger;

    // Null: fills and background work are not tracked (benchmarks).
    private readonly Hosting.WaitUntilTracker? _tracker;

    private readonly OriginRequestFactory _requests;

    private readonly HitForPass _hitForPass;

    private readonly ConcurrentDictionary<string, InFlightFetch> _inFlight = new(StringComparer.Ordinal);

    private readonly CancellationTokenSource _stopping = new();

    private readonly string _originPrefix;

    private readonly string _originScheme;

    private readonly string _originHost;

    private readonly string _originPath;

    private readonly string _via;

    private readonly string _name;

    private readonly string _hitPrefix;

    private readonly PassedOnFields _passOn;

    private readonly SharedCachePolicy _policy;

    public CachingProxy(CachingProxyOptions options, ICacheStore store, TimeProvider time, ILogger logger, Hosting.WaitUntilTracker? tracker, HttpMessageHandler? handler = null)
    {
        options.Validate();
        _options = options;
        _store = store;
        _fenced = store as IPurgeFencedStore;
        _time = time;
        _logger = logger;
        _tracker = tracker;
        _requests = new OriginRequestFactory(options);
        _policy = new SharedCachePolicy(
            options.MaxHeuristicFreshness, options.StaleRetention > options.StaleIfOriginUnreachable ? options.StaleRetention : options.StaleIfOriginUnreachable);
        _hitForPass = new HitForPass(time, options.HitForPassDuration);
        _client = new Origin.OriginClient(options.OriginTimeout, handler ?? Origin.OriginClient.CreateHandler(options.ConnectTimeout, options.OriginCaFile));
        var origin = options.Origin!;
        _originPath = origin.AbsolutePath.TrimEnd('/');
        _originPrefix = string.Concat(origin.Scheme, "://", origin.Authority, _originPath);
        _originScheme = origin.Scheme + "://";
        _originHost = origin.IdnHost.ToLowerInvariant();

        _name = options.CacheName;
        _via = "1.1 " + options.CacheName.ToLowerInvariant();
        _hitPrefix = options.CacheName + "; hit; ttl=";
        _passOn = (options.ExposeCacheTags ? PassedOnFields.CacheTags : PassedOnFields.None)
            | (options.ForwardCdnCacheControl ? PassedOnFields.CdnCacheControl : PassedOnFields.None);
    }

    /// <summary>In-flight origin fetches (for tests and diagnostics).</summary>
    internal int InFlightCount => _inFlight.Count;

    /// <summary>The store's purge sequence now (0 when the store keeps none).</summary>
    private long PurgeSequence => _fenced?.PurgeSequence ?? 0;

    public void Dispose()
    {
        _stopping.Cancel();
        _client.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Handles one request. Never lets an exception reach the client as a 500 or a stack trace.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            try
            {
                await HandleAsync(context).ConfigureAwait(false);
            }
            catch (StoredBodyUnavailableException gone) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested
                && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)))
            {
                // Once only: the entry is out of the store now, so the second pass is a miss that the origin answers.
                // GET and HEAD only: a reused POST's body was read for its key, and cannot be read again.
                ProxyLog.StoredBodyGone(_logger, context.Request.Path.Value ?? "/", gone.InnerException ?? gone);
                context.Response.Clear();
                await HandleAsync(context).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            ProxyLog.Unexpected(_logger, context.Request.Path.Value ?? "/", ex);
            if (context.Response.HasStarted)
            {
                context.Abort();
                return;
            }

            context.Response.Clear();
            await OriginResponseWriter.WriteErrorAsync(context, StatusCodes.Status502BadGateway, "502 Bad Gateway: the request could not be proxied.\n",
                Status(new CacheStatus(EdgeCacheStatus.Dynamic, Detail: "proxy-error")), EdgeCacheStatus.Dynamic, _via).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
    }

    // Not async, nor are the methods it hands on to: each path ends in one call whose task is returned as it is, so a
    // miss waiting for the origin keeps no suspended frame of these on the heap (InvokeAsync's and the one that waits).
    private Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var target = Resolve(context);
        if (target is null)
        {
            return OriginResponseWriter.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "400 Bad Request: the URL or Host cannot be forwarded.\n",
                Status(new CacheStatus(EdgeCacheStatus.Dynamic, Detail: "bad-target")), EdgeCacheStatus.Dynamic, _via);
        }

        var method = request.Method;
        var policy = context.Features.Get<ProxyCachePolicyFeature>();
        if (policy is not null)
        {
            if (policy.Bypass)
            {
                return PassAsync(context, target, new CacheStatus(EdgeCacheStatus.Bypass, Forward: "bypass", Detail: "rule"), invalidate: !Invalidation.IsSafe(method));
            }

            if (policy.CacheKey is { Length: > 0 } ruleKey)
            {
                target = target with { Key = ruleKey };
            }
        }

        EdgeCacheFeature.For(context).Key = target.Key;
        if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method))
        {
            return PassAsync(context, target, new CacheStatus(EdgeCacheStatus.Dynamic, Forward: "method"), invalidate: !Invalidation.IsSafe(method), storePost: HttpMethods.IsPost(method));
        }

        var cacheControl = request.Headers.CacheControl;
        var requestCc = cacheControl.Count == 0 ? CacheControlDirectives.Empty : CacheControlDirectives.Parse((IEnumerable<string>)cacheControl!);
        var lookup = LookupAsync(target.Key, request.Headers, policy, context.RequestAborted);
        return lookup.IsCompletedSuccessfully
            ? ServeLookupAsync(context, target, requestCc, lookup.Result)
            : ServeLookupWhenFoundAsync(context, target, requestCc, lookup);
    }

    private async Task ServeLookupWhenFoundAsync(HttpContext context, ProxyTarget target, CacheControlDirectives requestCc, ValueTask<Lookup> lookup)
        => await ServeLookupAsync(context, target, requestCc, await lookup.ConfigureAwait(false)).ConfigureAwait(false);

    /// <summary>Answers a GET or HEAD from what the store holds for it: the entry, a revalidation, or a fetch.</summary>
    private Task ServeLookupAsync(HttpContext context, ProxyTarget target, CacheControlDirectives requestCc, Lookup lookup)
    {
        if (lookup.Entry is { } entry)
        {
            var metadata = entry.Metadata;
            var now = _time.GetUtcNow();
            var age = EntryAge.Current(metadata, now);
            var invalidated = metadata.Invalidated || lookup.MarkerInvalidated;

            // The hit path: fresh, nothing asked of it. No parsing of the stored headers.
            if (!invalidated && ReferenceEquals(requestCc, CacheControlDirectives.Empty) && metadata.FreshnessLifetime > age)
            {
                var ttl = (long)(metadata.FreshnessLifetime - age).TotalSeconds;
                return StoredResponseWriter.WriteAsync(
                    context, metadata.StatusCode, metadata.Headers, entry, null, metadata.BodyLength, EntryAge.HeaderSeconds(age),
                    string.Concat(_hitPrefix, StoredResponseWriter.Number(ttl)), EdgeCacheStatus.Hit, _via, _passOn);
            }

            var stored = ResponseFacts.From(metadata.StatusCode, metadata.Headers).Directives;
            switch (Reuse.Decide(metadata.FreshnessLifetime, age, invalidated, stored, requestCc))
            {
                case ReuseDecision.Fresh:
                    return ServeEntryAsync(context, entry, age, new CacheStatus(EdgeCacheStatus.Hit, Hit: true));
                case ReuseDecision.StaleAcceptedByClient:
                    return ServeEntryAsync(context, entry, age, new CacheStatus(EdgeCacheStatus.Stale, Hit: true, Detail: "max-stale"));
                case ReuseDecision.StaleWhileRevalidate:
                    StartBackgroundRevalidation(context, target, lookup, requestCc);
                    return ServeEntryAsync(context, entry, age, new CacheStatus(EdgeCacheStatus.Updating, Hit: true, Detail: "stale-while-revalidate"));
            }

            if (requestCc.OnlyIfCached)
            {
                return OnlyIfCachedAsync(context);
            }

            var forward = requestCc.NoCache || requestCc.MaxAge is not null || requestCc.MinFresh is not null ? "request" : "stale";
            if (requestCc.NoStore)
            {
                return PassAsync(context, target, new CacheStatus(EdgeCacheStatus.Bypass, Forward: "request"), invalidate: false, stale: entry, requestCc: requestCc);
            }

            return HttpMethods.IsGet(context.Request.Method)
                ? FetchThroughAsync(context, target, lookup, requestCc, forward)
                : RevalidateWithHeadAsync(context, target, lookup, requestCc, forward);
        }

        if (requestCc.OnlyIfCached)
        {
            return OnlyIfCachedAsync(context);
        }

        if (requestCc.NoStore)
        {
            return PassAsync(context, target, new CacheStatus(EdgeCacheStatus.Bypass, Forward: "request"), invalidate: false);
        }

        if (target.Key.Length == 0)
        {
            return PassAsync(context, target, new CacheStatus(EdgeCacheStatus.Dynamic, Forward: "bypass"), invalidate: false);
        }

        return HttpMethods.IsGet(context.Request.Method) && context.Request.Headers.Range.Count > 0
            ? ServeRangeMissAsync(context, target, requestCc, lookup)
            : FetchMissAsync(context, target, requestCc, lookup);
    }

    /// <summary>A range of an object not in the store: from a stored part of it when one covers the range, else as any miss.</summary>
    private async Task ServeRangeMissAsync(HttpContext context, ProxyTarget target, CacheControlDirectives requestCc, Lookup lookup)
    {
        if (await TryServeFromPartAsync(context, target, requestCc).ConfigureAwait(false))
        {
            return;
        }

        await FetchMissAsync(context, target, requestCc, lookup).ConfigureAwait(false);
    }

    private Task FetchMissAsync(HttpContext context, ProxyTarget target, CacheControlDirectives requestCc, Lookup lookup)
    {
        var request = context.Request;
        var hitForPass = _hitForPass.IsPass(target.Key);
        if (hitForPass && request.Headers.Range.Count > 0)
        {
            // The last answer could not be stored: let the origin answer the range itself.
            return PassAsync(context, target, new CacheStatus(EdgeCacheStatus.Dynamic, Forward: "bypass", Detail: "hit-for-pass"), invalidate: false);
        }

        if (hitForPass)
        {
            // Hit-for-pass: no queueing behind other requests, but a response that has become
            // cacheable is still stored (so the key recovers at once).
            return FetchThroughAsync(context, target, lookup, requestCc, "bypass", hitForPass: true);
        }

        if (!_options.FetchFullObjectForRangeMiss && request.Headers.Range.Count > 0)
        {
            return PassAsync(context, target, new CacheStatus(EdgeCacheStatus.Miss, Forward: "partial"), invalidate: false);
        }

        return FetchThroughAsync(context, target, lookup, requestCc, lookup.Forward);
    }

    /// <summary>Maps the request onto the origin and computes its cache key; null when it cannot be forwarded.</summary>
    /// <remarks>
    /// The URL and the key are both made of the request's <see cref="CanonicalTarget"/> (the string the cache
    /// rules read too), so the origin is asked for exactly what the key names.
    /// </remarks>
    internal ProxyTarget? Resolve(HttpContext context)
    {
        var request = context.Request;
        string? host = null;
        if (_options.HostHeader == HostHeaderMode.PassThrough)
        {
            // The Host as the client sent it (Kestrel has checked its characters), not HttpRequest.Host: that one
            // decodes an IDN label (xn--bcher-kva becomes bücher), which would go on the wire as a non-ASCII Host
            // the origin does not route, and key the entry under a form the purge API's ASCII hosts never name.
            host = request.Headers.Host.ToString();
            if (string.IsNullOrEmpty(host) || Uri.CheckHostName(request.Host.Host) == UriHostNameType.Unknown)
            {
                ProxyLog.BadTarget(_logger, "the Host header is missing or invalid");
                return null;
            }
        }

        // The hit path: a raw target that is canonical already is used as it is (no parse, no copy).
        var pathAndQuery = CanonicalTarget.PlainRawTarget(context);
        if (pathAndQuery is null)
        {
            if (CanonicalTarget.For(context) is not { } canonical)
            {
                ProxyLog.BadTarget(_logger, "the request target has no path to forward");
                return null;
            }

            pathAndQuery = string.Concat(canonical.Path, canonical.Query);
        }

        var url = string.Concat(_originPrefix, pathAndQuery);
        var key = host is null ? url : string.Concat(_originScheme, host.ToLowerInvariant(), _originPath, pathAndQuery);
        return new ProxyTarget(url, key, host);
    }

    private string Status(CacheStatus status) => status.Format(_name);

    private Task ServeEntryAsync(HttpContext context, CacheEntry entry, TimeSpan age, CacheStatus status, IReadOnlyList<KeyValuePair<string, string>>? headers = null)
    {
        var metadata = entry.Metadata;
        var ttl = (long)Math.Floor((metadata.FreshnessLifetime - age).TotalSeconds);
        return StoredResponseWriter.WriteAsync(
            context, metadata.StatusCode, headers ?? metadata.Headers, entry, null, metadata.BodyLength, EntryAge.HeaderSeconds(age),
            Status(status with { Ttl = ttl }), status.Outcome, _via, _passOn);
    }

    private Task OnlyIfCachedAsync(HttpContext context)
        => OriginResponseWriter.WriteErrorAsync(context, StatusCodes.Status504GatewayTimeout, "504 Gateway Timeout: not in cache (only-if-cached).\n",
            Status(new CacheStatus(EdgeCacheStatus.Miss, Detail: "only-if-cached")), EdgeCacheStatus.Miss, _via);

    private async ValueTask<Lookup> LookupAsync(string key, IHeaderDictionary headers, ProxyCachePolicyFeature? policy, CancellationToken cancellationToken)
    {
        if (key.Length == 0)
        {
            return new Lookup(null, false, string.Empty, string.Empty, string.Empty, "uri-miss");
        }

        var entry = await GetAsync(key, cancellationToken).ConfigureAwait(false);
        if (entry is null)
        {
            return new Lookup(null, false, key, string.Empty, string.Empty, "uri-miss");
        }

        var metadata = entry.Metadata;
        if (!EntryBuilder.IsVaryMarker(metadata))
        {
            return new Lookup(entry, false, key, string.Empty, string.Empty, "uri-miss");
        }

        var generation = metadata.Headers[0].Value;
        var names = metadata.GetHeader("Vary") ?? string.Empty;
        if (policy is not null && policy.BypassesAny(names))
        {
            // A rule bypasses a field these variants vary on: none of them is served (nor will one be stored).
            return new Lookup(null, false, key, generation, names, "vary-miss");
        }

        var variantKey = VaryKey.Build(key, generation, names, headers, RequestField, policy?.VaryModes);
        var variant = await GetAsync(variantKey, cancellationToken).ConfigureAwait(false);
        return new Lookup(variant, false, variantKey, generation, names, "vary-miss");
    }

    private async ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            // No listener, no activity: StartActivity returns null and costs a flag check on the hit path.
            using var activity = Diagnostics.EdgeCacheTelemetry.ActivitySource.StartActivity("edgecache.lookup");
            return await _store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            ProxyLog.StoreFailed(_logger, key, ex);
            return null;
        }
    }

    /// <summary>Forwards the client's request as it is (method, body, preconditions) and streams the answer back; nothing is stored.</summary>
    private async Task PassAsync(HttpContext context, ProxyTarget target, CacheStatus status, bool invalidate, CacheEntry? stale = null, CacheControlDirectives? requestCc = null, bool storePost = false)
    {
        var requestTime = _time.GetUtcNow();
        HttpResponseMessage response;
        HttpRequestMessage message;
        try
        {
            message = _requests.Create(context, target, OriginRequestFactory.Adapt.None);
        }
        catch (FormatException)
        {
            await OriginResponseWriter.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "400 Bad Request: the request cannot be forwarded.\n",
                Status(status), status.Outcome, _via).ConfigureAwait(false);
            return;
        }

        using (message)
        {
            try
            {
                response = await _client.SendAsync(message, context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested && OriginFailure.ClientFraming(ex) is { } framing)
            {
                // The client's body broke its own framing (a bad chunk size, fewer bytes than its Content-Length):
                // the client's error, not the origin's. The origin saw an unfinished request and a reset.
                ProxyLog.BadRequestBody(_logger, target.OriginUrl, framing.Message);
                await OriginResponseWriter.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "400 Bad Request: the request body is malformed.\n",
                    Status(status with { Detail = "bad-request-body" }), status.Outcome, _via).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested)
            {
                var (code, detail) = OriginFailure.Classify(ex);
                ProxyLog.OriginFailed(_logger, target.OriginUrl, detail, ex);
                if (stale is not null && requestCc is not null && await TryServeStaleOnErrorAsync(context, stale, requestCc, status.Forward ?? "request", 0, detail).ConfigureAwait(false))
                {
                    return;
                }

                await WriteOriginErrorAsync(context, code, detail, status).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        using (response)
        {
            var code = (int)response.StatusCode;
            if (invalidate && Invalidation.Invalidates(context.Request.Method, code))
            {
                await InvalidateAsync(context, target, response).ConfigureAwait(false);
                if (storePost && await TryStorePostResponseAsync(context, target, response, requestTime, _time.GetUtcNow()).ConfigureAwait(false))
                {
                    status = status with { Stored = true };
                }
            }

            if (code == StatusCodes.Status206PartialContent && HttpMethods.IsGet(context.Request.Method) && status.Detail != "rule"
                && await TryStorePartAsync(context, target, response, requestTime, _time.GetUtcNow()).ConfigureAwait(false))
            {
                status = status with { Stored = true };
            }

            await OriginResponseWriter.WriteAsync(context, response, Status(status with { ForwardStatus = code }), status.Outcome, _via, _time.GetUtcNow(), _passOn).ConfigureAwait(false);
        }
    }

    private Task WriteOriginErrorAsync(HttpContext context, int code, string detail, CacheStatus status)
    {
        var text = code == StatusCodes.Status504GatewayTimeout
            ? "504 Gateway Timeout: the origin did not answer in time.\n"
            : "502 Bad Gateway: the origin could not be reached.\n";
        return OriginResponseWriter.WriteErrorAsync(context, code, text, Status(status with { Detail = detail }), status.Outcome, _via);
    }

    /// <summary>
    /// Serves the stale entry in place of an origin failure when a directive allows it (<c>stale-if-error</c>,
    /// <c>max-stale</c>) or, when the origin could not be reached at all (<paramref name="disconnected"/> names how),
    /// within <see cref="CachingProxyOptions.StaleIfOriginUnreachable"/> (RFC 9111 section 4.2.4).
    /// </summary>
    private async Task<bool> TryServeStaleOnErrorAsync(HttpContext context, CacheEntry stale, CacheControlDirectives requestCc, string forward, int forwardStatus, string? disconnected)
    {
        var metadata = stale.Metadata;
        var age = EntryAge.Current(metadata, _time.GetUtcNow());
        var storedCc = ResponseFacts.From(metadata.StatusCode, metadata.Headers).Directives;
        string detail;
        if (Reuse.MayServeStaleOnError(metadata.FreshnessLifetime, age, storedCc, requestCc))
        {
            detail = "stale-if-error";
        }
        else if (disconnected is not null
            && Reuse.MayServeStaleWhileDisconnected(metadata.FreshnessLifetime, age, storedCc, requestCc, _options.StaleIfOriginUnreachable))
        {
            detail = "stale-" + disconnected;
        }
        else
        {
            return false;
        }

        await ServeEntryAsync(context, stale, age, new CacheStatus(EdgeCacheStatus.Stale, Forward: forward, ForwardStatus: forwardStatus, Detail: detail)).ConfigureAwait(false);
        return true;
    }

    /// <summary>What the store holds for a request.</summary>
    /// <param name="Entry">The selected stored response, or null.</param>
    /// <param name="MarkerInvalidated">The URL's Vary marker was soft-purged (its variants are stale).</param>
    /// <param name="CollapseKey">The key a fetch for this request is collapsed and stored under (variant key when known).</param>
    /// <param name="Generation">The Vary marker's generation, or empty.</param>
    /// <param name="VaryNames">The Vary marker's field names, or empty.</param>
    /// <param name="Forward">The RFC 9211 fwd value on a miss (uri-miss or vary-miss).</param>
    private readonly record struct Lookup(CacheEntry? Entry, bool MarkerInvalidated, string CollapseKey, string Generation, string VaryNames, string Forward);
}
