namespace EdgeCache.Semantics.Rfc9111;

/// <summary>Where a freshness lifetime came from.</summary>
public enum FreshnessSource
{
    /// <summary>No freshness: the response is stale on arrival (or its freshness information was invalid).</summary>
    None,

    /// <summary>A targeted field's (CDN-Cache-Control / Surrogate-Control) s-maxage or max-age.</summary>
    Targeted,

    /// <summary>Cache-Control s-maxage.</summary>
    SharedMaxAge,

    /// <summary>Cache-Control max-age.</summary>
    MaxAge,

    /// <summary>Expires minus Date.</summary>
    Expires,

    /// <summary>A heuristic from Last-Modified (section 4.2.2).</summary>
    Heuristic,
}

/// <summary>RFC 9111 section 4.2.1 and 4.2.2: the freshness lifetime of a response for a shared cache.</summary>
public static class Freshness
{
    /// <summary>The fraction of the time since Last-Modified used as heuristic lifetime (section 4.2.2 suggests 10%).</summary>
    internal const double HeuristicFraction = 0.1;

    /// <summary>Computes the freshness lifetime.</summary>
    /// <param name="response">The response's facts.</param>
    /// <param name="responseTime">When the response was received (stands in for a missing Date).</param>
    /// <param name="heuristicCap">The largest heuristic lifetime allowed.</param>
    /// <param name="source">Where the lifetime came from.</param>
    public static TimeSpan Lifetime(ResponseFacts response, DateTimeOffset responseTime, TimeSpan heuristicCap, out FreshnessSource source)
    {
        var cc = response.Directives;

        // Section 4.2.1: duplicated directives with different values, or invalid ones, make the response stale.
        if (cc.HasConflictingDuplicates || cc.HasInvalidFreshness)
        {
            source = FreshnessSource.None;
            return TimeSpan.Zero;
        }

        if (cc.SharedMaxAge is { } sMaxAge)
        {
            source = response.Targeted ? FreshnessSource.Targeted : FreshnessSource.SharedMaxAge;
            return Seconds(sMaxAge);
        }

        if (cc.MaxAge is { } maxAge)
        {
            source = response.Targeted ? FreshnessSource.Targeted : FreshnessSource.MaxAge;
            return Seconds(maxAge);
        }

        if (response.ExpiresConflict)
        {
            source = FreshnessSource.None;
            return TimeSpan.Zero;
        }

        if (response.Expires is { } expiresText)
        {
            source = FreshnessSource.Expires;

            // Section 5.3: an invalid date (e.g. "0") means already expired.
            if (!HttpDate.TryParse(expiresText, out var expires))
            {
                return TimeSpan.Zero;
            }

            var lifetime = expires - (response.Date ?? responseTime);
            return lifetime > TimeSpan.Zero ? lifetime : TimeSpan.Zero;
        }

        // Section 4.2.2: heuristics only without explicit expiration, for statuses cacheable by default or public.
        if (response.LastModified is { } lastModified
            && (CacheableStatus.IsHeuristicallyCacheable(response.Status) || cc.Public))
        {
            var since = (response.Date ?? responseTime) - lastModified;
            if (since > TimeSpan.Zero)
            {
                source = FreshnessSource.Heuristic;
                var heuristic = TimeSpan.FromSeconds(Math.Floor(since.TotalSeconds * HeuristicFraction));
                return heuristic < heuristicCap ? heuristic : heuristicCap;
            }
        }

        source = FreshnessSource.None;
        return TimeSpan.Zero;
    }

    private static TimeSpan Seconds(long seconds) => TimeSpan.FromSeconds(seconds);
}
