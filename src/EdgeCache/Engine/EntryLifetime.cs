namespace EdgeCache.Entries;

/// <summary>
/// How long a stored response lives: the age it arrived with, how long it is fresh, and how long it is kept
/// once stale (to revalidate it, or to serve it under a stale directive).
/// </summary>
/// <param name="InitialAge">The corrected initial age at the response time (RFC 9111 section 4.2.3).</param>
/// <param name="FreshnessLifetime">How long the response is fresh, counted from an age of zero.</param>
/// <param name="Retention">How long the store keeps the response after it became stale.</param>
public readonly record struct EntryLifetime(TimeSpan InitialAge, TimeSpan FreshnessLifetime, TimeSpan Retention)
{
    /// <summary>When the store may drop the entry: the end of freshness (never before <paramref name="responseTime"/>) plus the retention.</summary>
    /// <param name="responseTime">When the response was received.</param>
    public DateTimeOffset ExpiresAt(DateTimeOffset responseTime)
    {
        var freshUntil = responseTime + (FreshnessLifetime - InitialAge);
        return (freshUntil > responseTime ? freshUntil : responseTime) + Retention;
    }
}
