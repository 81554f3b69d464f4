namespace EdgeCache.Semantics;

/// <summary>Entity-tag comparison (RFC 9110 section 8.8.3), tolerant of malformed input.</summary>
public static class EntityTag
{
    /// <summary>Extracts the opaque tag of <c>"x"</c> or <c>W/"x"</c>; false when the value is not an entity-tag.</summary>
    public static bool TryGetOpaque(ReadOnlySpan<char> value, out ReadOnlySpan<char> opaque, out bool weak)
    {
        value = value.Trim();
        weak = value.StartsWith("W/", StringComparison.Ordinal);
        if (weak)
        {
            value = value[2..];
        }

        opaque = default;
        if (value.Length < 2 || value[0] != '"' || value[^1] != '"')
        {
            return false;
        }

        opaque = value[1..^1];
        return true;
    }

    /// <summary>
    /// Whether an <c>If-None-Match</c> field matches the stored ETag, by weak comparison.
    /// <paramref name="applicable"/> is false when the field or the stored ETag cannot be used (ignore the condition).
    /// </summary>
    public static bool NoneMatchHits(string ifNoneMatch, string? storedETag, out bool applicable)
    {
        applicable = false;
        // Cloudflare only evaluates If-None-Match against a stored ETag of the form (W/)"x" with x non-empty.
        if (storedETag is null || !TryGetOpaque(storedETag, out var stored, out _) || stored.IsEmpty)
        {
            return false;
        }

        applicable = true;
        var field = ifNoneMatch.AsSpan().Trim();
        if (field.SequenceEqual("*"))
        {
            return true;
        }

        // A list member ends at a comma outside quotes: ',' is an etagc (RFC 9110 section 8.8.3), so "a,b" is one tag.
        while (!field.IsEmpty)
        {
            var end = MemberEnd(field);
            if (TryGetOpaque(field[..end], out var candidate, out _) && candidate.SequenceEqual(stored))
            {
                return true;
            }

            field = end < field.Length ? field[(end + 1)..] : [];
        }

        return false;
    }

    private static int MemberEnd(ReadOnlySpan<char> list)
    {
        var quoted = false;
        for (var i = 0; i < list.Length; i++)
        {
            if (list[i] == '"')
            {
                quoted = !quoted;
            }
            else if (list[i] == ',' && !quoted)
            {
                return i;
            }
        }

        return list.Length;
    }

    /// <summary>Strong comparison for <c>If-Match</c> / <c>If-Range</c>: neither side weak, opaque tags equal.</summary>
    public static bool StrongEquals(string? a, string? b)
        => a is not null && b is not null
            && TryGetOpaque(a, out var x, out var weakA) && TryGetOpaque(b, out var y, out var weakB)
            && !weakA && !weakB && x.SequenceEqual(y);
}
