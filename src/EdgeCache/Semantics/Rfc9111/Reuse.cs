namespace EdgeCache.Semantics.Rfc9111;

/// <summary>
/// RFC 9111 sections 4.2, 4.2.4 and 5.2 with RFC 5861: whether a stored response can answer a request
/// without contacting the origin, and whether it may stand in for an origin error.
/// </summary>
public static class Reuse
{
    /// <summary>Decides how a stored response may be used.</summary>
    /// <param name="freshnessLifetime">The stored freshness lifetime.</param>
    /// <param name="currentAge">The current age (section 4.2.3).</param>
    /// <param name="invalidated">Soft-purged: treat as stale.</param>
    /// <param name="stored">The stored response's directives in force for this cache.</param>
    /// <param name="request">The request's directives.</param>
    public static ReuseDecision Decide(TimeSpan freshnessLifetime, TimeSpan currentAge, bool invalidated, CacheControlDirectives stored, CacheControlDirectives request)
    {
        // Section 5.2.2.4: unqualified no-cache requires validation for every use; qualified fields were stripped at storage.
        if (stored.NoCache && stored.NoCacheFields.Count == 0)
        {
            return ReuseDecision.MustValidate;
        }

        // Section 5.2.1.4: the client asks for an end-to-end validation.
        if (request.NoCache)
        {
            return ReuseDecision.MustValidate;
        }

        // Section 5.2.1.1: the client does not accept a response older than max-age.
        if (request.MaxAge is { } maxAge && currentAge > TimeSpan.FromSeconds(maxAge))
        {
            return ReuseDecision.MustValidate;
        }

        var fresh = !invalidated && freshnessLifetime > currentAge;
        if (fresh)
        {
            // Section 5.2.1.3: the client wants it to stay fresh for at least min-fresh more seconds.
            if (request.MinFresh is not { } minFresh || freshnessLifetime - currentAge >= TimeSpan.FromSeconds(minFresh))
            {
                return ReuseDecision.Fresh;
            }

            return ReuseDecision.MustValidate;
        }

        // Section 4.2.4: never serve stale against must-revalidate / proxy-revalidate (a shared cache obeys both).
        if (stored.MustRevalidate || stored.ProxyRevalidate)
        {
            return ReuseDecision.MustValidate;
        }

        var staleness = invalidated && freshnessLifetime > currentAge ? TimeSpan.Zero : currentAge - freshnessLifetime;

        // Section 5.2.1.2: max-stale, but s-maxage implies proxy-revalidate for a shared cache (section 5.2.2.10).
        if (request.MaxStale && stored.SharedMaxAge is null
            && (request.MaxStaleSeconds is not { } maxStale || staleness <= TimeSpan.FromSeconds(maxStale)))
        {
            return ReuseDecision.StaleAcceptedByClient;
        }

        if (stored.StaleWhileRevalidate is { } swr && staleness <= TimeSpan.FromSeconds(swr))
        {
            return ReuseDecision.StaleWhileRevalidate;
        }

        return ReuseDecision.MustValidate;
    }

    /// <summary>
    /// RFC 5861 section 4: whether the stale response may be served because the origin failed
    /// (a 500, 502, 503 or 504, a refused connection or a timeout).
    /// </summary>
    public static bool MayServeStaleOnError(TimeSpan freshnessLifetime, TimeSpan currentAge, CacheControlDirectives stored, CacheControlDirectives request)
    {
        if (ForbidsStale(stored))
        {
            return false;
        }

        var staleness = currentAge > freshnessLifetime ? currentAge - freshnessLifetime : TimeSpan.Zero;
        if (stored.StaleIfError is { } window && staleness <= TimeSpan.FromSeconds(window))
        {
            return true;
        }

        if (request.StaleIfError is { } requested && staleness <= TimeSpan.FromSeconds(requested))
        {
            return true;
        }

        return request.MaxStale && stored.SharedMaxAge is null
            && (request.MaxStaleSeconds is not { } maxStale || staleness <= TimeSpan.FromSeconds(maxStale));
    }

    /// <summary>
    /// RFC 9111 section 4.2.4: whether the stale response may be served, without any directive asking for it,
    /// because the origin could not be reached at all (refused, reset, closed before a response, timed out):
    /// "a cache MAY generate a stale response ... when it is disconnected from the origin server", within this
    /// cache's own bound, unless a directive forbids it (<c>must-revalidate</c>, <c>proxy-revalidate</c>,
    /// unqualified <c>no-cache</c>, and <c>s-maxage</c>, which implies <c>proxy-revalidate</c> for a shared cache,
    /// section 5.2.2.10) or the request does not accept it (<c>no-cache</c>, <c>min-fresh</c>, a <c>max-age</c> the
    /// response is older than).
    /// </summary>
    /// <param name="freshnessLifetime">The stored freshness lifetime.</param>
    /// <param name="currentAge">The current age.</param>
    /// <param name="stored">The stored response's directives in force for this cache.</param>
    /// <param name="request">The request's directives.</param>
    /// <param name="maxStaleness">The most staleness this cache tolerates for it; zero turns it off.</param>
    public static bool MayServeStaleWhileDisconnected(TimeSpan freshnessLifetime, TimeSpan currentAge, CacheControlDirectives stored, CacheControlDirectives request, TimeSpan maxStaleness)
    {
        if (maxStaleness <= TimeSpan.Zero || ForbidsStale(stored) || stored.SharedMaxAge is not null)
        {
            return false;
        }

        if (request.NoCache || request.MinFresh is not null || (request.MaxAge is { } maxAge && currentAge > TimeSpan.FromSeconds(maxAge)))
        {
            return false;
        }

        var staleness = currentAge > freshnessLifetime ? currentAge - freshnessLifetime : TimeSpan.Zero;
        return staleness <= maxStaleness;
    }

    /// <summary>RFC 5861 section 4: the origin answers that count as errors for stale-if-error.</summary>
    public static bool IsErrorStatus(int status) => status is 500 or 502 or 503 or 504;

    /// <summary>Section 4.2.4: the stored directives under which no stale response may ever be generated.</summary>
    private static bool ForbidsStale(CacheControlDirectives stored)
        => stored.MustRevalidate || stored.ProxyRevalidate || (stored.NoCache && stored.NoCacheFields.Count == 0);
}
