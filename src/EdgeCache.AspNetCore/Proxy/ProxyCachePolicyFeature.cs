namespace EdgeCache.AspNetCore.Proxy;

/// <summary>
/// Per-request instructions for the caching proxy, set on <c>HttpContext.Features</c> by whatever
/// runs before it (the server's cache rules): bypass the cache, use another cache key, or adjust
/// the origin's response before the proxy decides whether and how long to store it.
/// </summary>
public sealed class ProxyCachePolicyFeature
{
    /// <summary>
    /// The targeted field (RFC 9213 section 2) aimed at this cache alone, for <see cref="OnOriginResponse"/> to
    /// set an edge policy in: obeyed before the origin's <c>CDN-Cache-Control</c>, <c>Surrogate-Control</c> and
    /// <c>Cache-Control</c>, and never sent on, so a downstream cache sees only the origin's own policy.
    /// </summary>
    public const string EdgeCacheControlField = EdgeCache.Semantics.Rfc9111.ResponseFacts.EdgeCacheControl;

    /// <summary>Forward to the origin without looking up or storing (<c>cf-cache-status: BYPASS</c>).</summary>
    public bool Bypass { get; set; }

    /// <summary>The cache key to use instead of scheme + host + path + query; null keeps the default.</summary>
    public string? CacheKey { get; set; }

    /// <summary>
    /// Called with the origin's response (headers only; the body has not been read) before the proxy
    /// applies RFC 9111 to it: set <see cref="EdgeCacheControlField"/> for an edge TTL, rewrite <c>Cache-Control</c>
    /// for browsers, add <c>Cache-Tag</c>.
    /// </summary>
    public Action<HttpResponseMessage>? OnOriginResponse { get; set; }

    /// <summary>
    /// Dangerous: let <see cref="OnOriginResponse"/> make shareable a response the origin marked
    /// <c>private</c> or <c>no-store</c>. Off by default: privacy signals beat rules.
    /// </summary>
    public bool DangerouslyCachePrivate { get; set; }

    /// <summary>
    /// Per-field handling of the request fields the origin's <c>Vary</c> names (field name, any case, to handling);
    /// fields not listed keep the default. Null: defaults only.
    /// </summary>
    public IReadOnlyDictionary<string, VaryHandling>? Vary
    {
        get;
        set
        {
            field = value;
            VaryModes = null;
            VaryBypass = null;
            if (value is null)
            {
                return;
            }

            foreach (var (name, handling) in value)
            {
                if (handling == VaryHandling.Bypass)
                {
                    (VaryBypass ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase)).Add(name);
                }
                else
                {
                    (VaryModes ??= new Dictionary<string, EdgeCache.Semantics.Rfc9111.VaryFieldMode>(StringComparer.OrdinalIgnoreCase))[name] =
                        handling == VaryHandling.PassThrough ? EdgeCache.Semantics.Rfc9111.VaryFieldMode.PassThrough : EdgeCache.Semantics.Rfc9111.VaryFieldMode.Normalize;
                }
            }
        }
    }

    /// <summary>The normalise / pass-through part of <see cref="Vary"/>, for variant keys.</summary>
    internal Dictionary<string, EdgeCache.Semantics.Rfc9111.VaryFieldMode>? VaryModes { get; private set; }

    /// <summary>The bypass part of <see cref="Vary"/>.</summary>
    internal HashSet<string>? VaryBypass { get; private set; }

    /// <summary>True when the canonical Vary names (<c>a, b</c>) include a field to bypass.</summary>
    internal bool BypassesAny(string varyNames)
    {
        if (VaryBypass is null || varyNames.Length == 0)
        {
            return false;
        }

        foreach (var range in varyNames.AsSpan().Split(','))
        {
            if (VaryBypass.Contains(varyNames.AsSpan()[range].Trim().ToString()))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A last say before storing, given the origin's response (after <see cref="OnOriginResponse"/>):
    /// false keeps it out of the cache (the rules' cache deception armour checks that the Content-Type
    /// fits the extension the response is cached by). Null: no veto.
    /// </summary>
    public Func<HttpResponseMessage, bool>? MayStore { get; set; }
}
