namespace EdgeCache.Soak;

/// <summary>How one request ended, from the client's side.</summary>
internal enum Outcome
{
    /// <summary>A verified 200, 206 or 304.</summary>
    Ok,

    /// <summary>The client hung up on purpose mid-body (every byte it read was right).</summary>
    Aborted,

    /// <summary>A byte, length, digest, key, version or variant that is not what the origin sent.</summary>
    Corrupt,

    /// <summary>The body ended before its length, outside any fault that explains it.</summary>
    Truncated,

    /// <summary>A 5xx, a reset or a timeout that the origin would not have caused (the goal is none).</summary>
    CacheFailure,

    /// <summary>A failure while the origin was stopped or slow, for a response the cache could not hold (the origin's).</summary>
    OriginFailure,

    /// <summary>A request to a node while it was killed (a load balancer's retry goes to another node; so does the driver's).</summary>
    NodeDown,
}
