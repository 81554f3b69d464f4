namespace EdgeCache.Semantics.Rfc9111;

/// <summary>What a cache may do with a stored response for a request (RFC 9111 section 4, RFC 5861).</summary>
public enum ReuseDecision
{
    /// <summary>Fresh and acceptable to the request: serve it.</summary>
    Fresh,

    /// <summary>Stale, but the request's max-stale accepts it (section 4.2.4): serve it.</summary>
    StaleAcceptedByClient,

    /// <summary>Stale within stale-while-revalidate: serve it and revalidate in the background (RFC 5861 section 3).</summary>
    StaleWhileRevalidate,

    /// <summary>Must be validated with the origin before it is used (section 4.3).</summary>
    MustValidate,
}
