namespace EdgeCache.Semantics;

/// <summary>
/// The slot of a field value in a small table of recently seen values (<see cref="RecentCacheControl"/>, the stored
/// entries' shared strings): a cheap hash of its length and three of its characters, so that finding the slot costs
/// less than the whole compare that must follow it anyway.
/// </summary>
internal static class FieldValueSlot
{
    /// <summary>The slot of <paramref name="value"/> (not empty) among <paramref name="slots"/>.</summary>
    public static int Of(string value, int slots)
    {
        var length = value.Length;
        return (int)((uint)((length * 31) ^ (value[0] * 7) ^ (value[length >> 1] * 131) ^ (value[length - 1] * 8191)) % (uint)slots);
    }
}
