namespace EdgeCache;

/// <summary>
/// How the cache answered one request: Cloudflare's <c>cf-cache-status</c> values as an enum. Every layer
/// (proxy, worker bridge, metrics, access log, status page) talks in this type;
/// <see cref="EdgeCacheStatusNames"/> holds the only spellings.
/// </summary>
public enum EdgeCacheStatus
{
    /// <summary>No cache was involved: a handler made the response itself (shown as <c>-</c> in the access log, counted as DYNAMIC).</summary>
    None = 0,

    /// <summary>Answered from a fresh stored response.</summary>
    Hit,

    /// <summary>Not in the cache: fetched from the origin (and stored when allowed).</summary>
    Miss,

    /// <summary>A stored response had expired: fetched from the origin again.</summary>
    Expired,

    /// <summary>Answered from a stale stored response (the origin failed, or the client accepted stale).</summary>
    Stale,

    /// <summary>Answered from a stale stored response while it is revalidated in the background.</summary>
    Updating,

    /// <summary>The origin confirmed a stored response (304) and it was served.</summary>
    Revalidated,

    /// <summary>Cacheable in principle, but this request went to the origin without the cache (a rule, the request's directives).</summary>
    Bypass,

    /// <summary>Not eligible for caching (method, response, hit-for-pass).</summary>
    Dynamic,

    /// <summary>A worker set a <c>cf-cache-status</c> value that is none of the above.</summary>
    Other,
}
