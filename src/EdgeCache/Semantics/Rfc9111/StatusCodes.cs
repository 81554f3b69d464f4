namespace EdgeCache.Semantics.Rfc9111;

/// <summary>Status code classes that caching rules depend on.</summary>
internal static class CacheableStatus
{
    /// <summary>RFC 9110 section 15.1: statuses cacheable by default (heuristic freshness allowed). 206 is excluded: this cache never stores partial content.</summary>
    public static bool IsHeuristicallyCacheable(int status)
        => status is 200 or 203 or 204 or 300 or 301 or 308 or 404 or 405 or 410 or 414 or 501;

    /// <summary>
    /// Statuses whose semantics this cache implements (RFC 9111 section 3, "understands the status code"),
    /// used for <c>must-understand</c>.
    /// </summary>
    public static bool IsUnderstood(int status)
        => status is 200 or 203 or 204 or 300 or 301 or 302 or 303 or 307 or 308
            or 400 or 403 or 404 or 405 or 406 or 410 or 414 or 451
            or 500 or 501 or 502 or 503 or 504;
}
