namespace EdgeCache.Storage;

/// <summary>When a <see cref="TieredStore"/> copies an entry found below memory up into memory.</summary>
public enum PromotionPolicy
{
    /// <summary>
    /// The default: on the key's second hit below memory within a window of about as many hits below as memory holds
    /// entries (at least 256, at most 32,768). A promotion into a full memory tier evicts another entry, and a key that
    /// does not recur within that window would usually be evicted again before its next hit: with a working set three
    /// times the memory tier and uniform access, promoting every hit copied each body up for nothing.
    /// </summary>
    SecondHit = 0,

    /// <summary>On every hit below memory whose body fits memory's object limit (the behaviour before session 15).</summary>
    FirstHit = 1,
}
