namespace EdgeCache.Redis;

/// <summary>The state of the circuit breaker in front of Redis.</summary>
public enum CircuitState
{
    /// <summary>Calls go to Redis.</summary>
    Closed,

    /// <summary>Redis failed repeatedly: calls are answered locally at once (miss, not stored).</summary>
    Open,

    /// <summary>The open period is over: one trial call goes to Redis; its outcome closes or reopens the breaker.</summary>
    HalfOpen,
}
