namespace EdgeCache.Entries;

/// <summary>
/// Lets stored entries share the string of a header value that an earlier stored response had too, instead of each
/// keeping the copy HttpClient parsed for it. A memory-tier entry keeps its header strings for its whole life, in the
/// old generation, where every background collection marks them: <c>Cache-Control</c>, <c>Content-Type</c> and
/// <c>Vary</c> values repeat across most responses of an origin, and so do <c>ETag</c> and <c>Last-Modified</c> when
/// many keys name one object (query strings that only bust caches).
/// </summary>
/// <remarks>
/// A fixed table of the most recent value per slot, slots chosen by a cheap hash of the value: a miss or a collision
/// only means the parsed string is kept (and takes the slot). Slots are written without a lock; a reference write is
/// atomic, and any string read from a slot is compared whole before it is used, so a race costs a share, never a value.
/// </remarks>
internal static class RecentHeaderValues
{
    // Longer values (cookies, links, policies) are rarely repeated byte for byte and cost more to compare.
    private const int MaxLength = 128;
    private const int Slots = 256;

    private static readonly string?[] Table = new string?[Slots];

    /// <summary>An equal string seen before, or <paramref name="value"/> itself (then remembered).</summary>
    public static string Share(string value)
    {
        var length = value.Length;
        if (length is 0 or > MaxLength)
        {
            return value;
        }

        var slot = Semantics.FieldValueSlot.Of(value, Slots);
        var seen = Volatile.Read(ref Table[slot]);
        if (seen is not null && string.Equals(seen, value, StringComparison.Ordinal))
        {
            return seen;
        }

        Volatile.Write(ref Table[slot], value);
        return value;
    }
}
