namespace EdgeCache.Storage;

/// <summary>
/// The arrays stored bodies live in. Below the large object threshold they come from the pinned object heap,
/// which the GC treats as part of generation 2: a cached body outlives many collections, and an ordinary array
/// would be copied twice on the way there (into generation 1, then into 2) and sit in the ephemeral
/// generations' survivors, which every young collection pays for.
/// </summary>
internal static class StoredBodyArrays
{
    // Bodies from this size up go to the large object heap anyway (also generation 2, never copied).
    private const int LargeObjectThreshold = 85_000;

    /// <summary>An uninitialized array for a body of <paramref name="length"/> bytes that will be stored.</summary>
    public static byte[] Allocate(int length)
        => GC.AllocateUninitializedArray<byte>(length, pinned: length < LargeObjectThreshold);
}
