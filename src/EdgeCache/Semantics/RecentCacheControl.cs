namespace EdgeCache.Semantics;

/// <summary>
/// The directives of a <c>Cache-Control</c> value parsed recently, shared instead of parsed again: an origin sends the
/// same few values on most of its responses, and every miss reads its response's (a stale hit its stored response's).
/// </summary>
/// <remarks>
/// A fixed table of the latest directives per slot, slots chosen by a cheap hash of the value, as in
/// <see cref="Entries.RecentHeaderValues"/>: a miss or a collision only means the value is parsed (and takes the slot).
/// Slots are written without a lock; a directives object is complete before it is published and never changes after,
/// and its source value is compared whole before it is used, so a race costs a parse, never a wrong answer.
/// </remarks>
internal static class RecentCacheControl
{
    // Longer values are rare and cost more to compare.
    private const int MaxLength = 128;
    internal const int Slots = 64;

    private static readonly CacheControlDirectives?[] Table = new CacheControlDirectives?[Slots];

    /// <summary>The directives of one field value: those of an equal value parsed before, or newly parsed (then remembered).</summary>
    public static CacheControlDirectives Parse(string value)
    {
        var length = value.Length;
        if (length is 0 or > MaxLength)
        {
            return CacheControlDirectives.Parse(value);
        }

        var slot = FieldValueSlot.Of(value, Slots);
        var seen = Volatile.Read(ref Table[slot]);
        if (seen is not null && string.Equals(seen.Source, value, StringComparison.Ordinal))
        {
            return seen;
        }

        var parsed = CacheControlDirectives.Parse(value);
        if (!ReferenceEquals(parsed, CacheControlDirectives.Empty))
        {
            parsed.Source = value;
            Volatile.Write(ref Table[slot], parsed);
        }

        return parsed;
    }
}
