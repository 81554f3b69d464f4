namespace EdgeCache.AspNetCore.Proxy;

/// <summary>Options of the RFC 9111 caching reverse proxy (<see cref="CachingProxyEndpointRouteBuilderExtensions.MapCachingProxy"/>).</summary>
public sealed record CachingProxyOptions
{
    /// <summary>The origin every request is forwarded to (absolute http or https URL). Required.</summary>
    public Uri? Origin { get; init; }

    /// <summary>Which Host the origin sees. Default <see cref="HostHeaderMode.Origin"/>.</summary>
    public HostHeaderMode HostHeader { get; init; } = HostHeaderMode.Origin;

    /// <summary>
    /// Request headers that could change the origin's answer without being part of the cache key
    /// (<c>X-Forwarded-Host</c>, <c>X-Original-URL</c>, <c>Forwarded</c>, ...) are dropped unless named here.
    /// </summary>
    public IReadOnlyCollection<string> AllowedUnkeyedHeaders { get; init; } = [];

    /// <summary>
    /// Allow-list mode: when set, only these request fields (plus the body's <c>Content-*</c> fields and the
    /// proxy's own <c>Via</c> / <c>X-Forwarded-For</c> / <c>-Proto</c>) reach the origin; every other field the
    /// client sends is dropped. Default null: every field except hop-by-hop ones, the unkeyed deny list and
    /// names containing <c>_</c> is forwarded.
    /// </summary>
    public IReadOnlyCollection<string>? ForwardedRequestHeaders { get; init; }

    /// <summary>What happens to a cacheable response that carries <c>Set-Cookie</c>. Default <see cref="SetCookiePolicy.DoNotStore"/>.</summary>
    public SetCookiePolicy SetCookie { get; init; } = SetCookiePolicy.DoNotStore;

    /// <summary>How long the origin may take to send response headers before the client gets a 504. Default <see cref="EdgeCache.AspNetCore.Origin.OriginClient.DefaultTimeout"/> (30 s); more than zero, at most 1 hour.</summary>
    public TimeSpan OriginTimeout { get; init; } = EdgeCache.AspNetCore.Origin.OriginClient.DefaultTimeout;

    /// <summary>How long the proxy waits to connect to the origin before answering 502. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Cross-node collapsing (with a shared store such as Redis): before a cache fill asks the origin,
    /// it takes this per-key lock; a node that finds another node filling waits for it and serves the
    /// shared copy. Default: none (collapsing within this process only).
    /// </summary>
    public EdgeCache.Storage.ICacheFillCoordinator? FillCoordinator { get; init; }

    /// <summary>A PEM file of CA certificates trusted, besides the system's, for an HTTPS origin. Default: none.</summary>
    public string? OriginCaFile { get; init; }

    /// <summary>Collapse concurrent misses for one key into one origin request. Default on.</summary>
    public bool CollapseRequests { get; init; } = true;

    /// <summary>How long a collapsed request waits for the leader's response headers before going to the origin itself. Default 15 s.</summary>
    public TimeSpan CollapseWaitTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long an uncacheable answer is remembered so requests for it pass straight to the origin (hit-for-pass). Default 10 s; zero disables.</summary>
    public TimeSpan HitForPassDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The largest heuristic freshness lifetime (RFC 9111 section 4.2.2). Default 1 day.</summary>
    public TimeSpan MaxHeuristicFreshness { get; init; } = TimeSpan.FromDays(1);

    /// <summary>How long a stale entry is kept for conditional revalidation and client max-stale. Default 1 hour.</summary>
    public TimeSpan StaleRetention { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How stale a stored response may be to stand in when the origin cannot be reached at all: the connection
    /// is refused or reset, or closed or timed out before a response (RFC 9111 section 4.2.4; like Varnish's grace
    /// or nginx's <c>proxy_cache_use_stale error timeout</c>). Never against <c>must-revalidate</c>,
    /// <c>proxy-revalidate</c>, <c>s-maxage</c> or <c>no-cache</c>; an origin that answers (even 5xx) is not
    /// unreachable (that takes <c>stale-if-error</c>). Default 1 hour; zero turns it off. Entries are kept at
    /// least this long after they go stale.
    /// </summary>
    public TimeSpan StaleIfOriginUnreachable { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The largest body the proxy streams through its shared collapsing buffer and stores; larger
    /// responses (by Content-Length, or as they grow) are forwarded without being stored. Default 64 MB.
    /// </summary>
    public long MaxBufferedObjectSize { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// The largest body stored. Bodies above <see cref="MaxBufferedObjectSize"/> and up to this size are
    /// still stored (the store streams them to disk) while they stream to the client. Default: equal to
    /// <see cref="MaxBufferedObjectSize"/>; at least that.
    /// </summary>
    public long? MaxStoredObjectSize { get; init; }

    /// <summary>
    /// A bound on the body bytes all fills in flight hold whole in their collapse buffers at once, shared with the memory
    /// tier's writers when they are given the same budget. A fill refused a share streams its body through instead (as one
    /// above <see cref="MaxBufferedObjectSize"/> does: no new request joins it), and is still stored. Default null: each
    /// fill is bounded by <see cref="MaxBufferedObjectSize"/> alone.
    /// </summary>
    public EdgeCache.Storage.InFlightBodyBudget? InFlightBudget { get; init; }

    internal long EffectiveMaxStoredObjectSize => Math.Max(MaxStoredObjectSize ?? MaxBufferedObjectSize, MaxBufferedObjectSize);

    /// <summary>
    /// A Range request that misses fetches the whole object (so it can be stored) and answers the range
    /// from it. When off, such requests are forwarded with their Range and nothing is stored. Default on.
    /// </summary>
    public bool FetchFullObjectForRangeMiss { get; init; } = true;

    /// <summary>
    /// Send <c>Cache-Tag</c> response fields (the origin's, and those cache rules add) on to clients, for
    /// debugging. Default off: like Cloudflare, the proxy keeps the tags for purging and removes the field
    /// from every response it sends.
    /// </summary>
    public bool ExposeCacheTags { get; init; }

    /// <summary>
    /// Forward the origin's <c>CDN-Cache-Control</c> to clients, so CDN caches downstream can use it as well
    /// (RFC 9213 section 3). Default on; off removes it from every response. A cache rule's edge TTL never
    /// leaves this cache either way, and <c>Surrogate-Control</c> is always consumed here.
    /// </summary>
    public bool ForwardCdnCacheControl { get; init; } = true;

    /// <summary>
    /// Store a <c>200</c> answer to a POST that carries explicit freshness and a <c>Content-Location</c> naming the
    /// POST's own target URI (same canonical path and query, same host), and reuse it for later GETs and HEADs
    /// (RFC 9110 section 9.3.3). The usual storage rules apply (<c>Authorization</c>, <c>private</c>, <c>Set-Cookie</c>,
    /// cache rules); a response with <c>Vary</c> or without a <c>Content-Length</c> within
    /// <see cref="MaxBufferedObjectSize"/> is not stored. Default off: the POST's body is an input the cache key
    /// does not see, so an origin that reflects it into such a response would let one client shape what later
    /// GETs receive (docs/security.md).
    /// </summary>
    public bool ReusePostResponses { get; init; }

    /// <summary>The name this cache uses in <c>Cache-Status</c> (RFC 9211) and <c>Via</c>. Default <c>EdgeCache</c>.</summary>
    public string CacheName { get; init; } = "EdgeCache";

    /// <summary>Checks the options; throws naming the bad setting.</summary>
    public void Validate()
    {
        if (Origin is not { IsAbsoluteUri: true } origin || (origin.Scheme != Uri.UriSchemeHttp && origin.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"Origin must be an absolute http or https URL, not '{Origin}'.", nameof(Origin));
        }

        EdgeCache.AspNetCore.Origin.OriginClient.ValidateTimeout(OriginTimeout, nameof(OriginTimeout));

        if (ConnectTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "ConnectTimeout must be more than zero.");
        }

        if (CollapseWaitTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CollapseWaitTimeout), CollapseWaitTimeout, "CollapseWaitTimeout must be more than zero.");
        }

        if (HitForPassDuration < TimeSpan.Zero || MaxHeuristicFreshness < TimeSpan.Zero || StaleRetention < TimeSpan.Zero || StaleIfOriginUnreachable < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(HitForPassDuration), "HitForPassDuration, MaxHeuristicFreshness, StaleRetention and StaleIfOriginUnreachable must be zero or more.");
        }

        if (MaxBufferedObjectSize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBufferedObjectSize), MaxBufferedObjectSize, "MaxBufferedObjectSize must be zero or more.");
        }

        if (string.IsNullOrWhiteSpace(CacheName) || CacheName.AsSpan().IndexOfAny("\",; \t\r\n") >= 0)
        {
            throw new ArgumentException("CacheName must be a non-empty token (no spaces, quotes, commas or semicolons).", nameof(CacheName));
        }
    }
}
