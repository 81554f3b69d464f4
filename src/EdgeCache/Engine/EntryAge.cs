using EdgeCache.Semantics.Rfc9111;
using EdgeCache.Storage;

namespace EdgeCache.Entries;

/// <summary>
/// The age of a stored entry, for both front doors (RFC 9111 section 4.2.3: the corrected initial age plus the time
/// resident, never negative), and the <c>Age</c> field value that says it.
/// </summary>
public static class EntryAge
{
    /// <summary>The entry's current age at <paramref name="now"/>.</summary>
    public static TimeSpan Current(EntryMetadata metadata, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return AgeCalculation.CurrentAge(metadata.InitialAge, metadata.ResponseTime, now);
    }

    /// <summary>The current age at <paramref name="now"/> of a response received at <paramref name="responseTime"/> with <paramref name="initialAge"/> (one not stored yet).</summary>
    public static TimeSpan Current(TimeSpan initialAge, DateTimeOffset responseTime, DateTimeOffset now)
        => AgeCalculation.CurrentAge(initialAge, responseTime, now);

    /// <summary>The <c>Age</c> field value of an age: whole seconds, at least 0, capped at 2^31 (section 1.2.2).</summary>
    public static long HeaderSeconds(TimeSpan age) => AgeCalculation.ToHeaderSeconds(age);
}
