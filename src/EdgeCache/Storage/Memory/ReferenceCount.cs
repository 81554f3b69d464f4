namespace EdgeCache.Storage;

/// <summary>
/// The count of references a memory-tier body off the GC heap (<see cref="MemoryBodyFile"/>, <see cref="NativeBody"/>)
/// is freed by: once it reached zero it never counts up again, so a freed body is never revived.
/// </summary>
internal static class ReferenceCount
{
    /// <summary>Takes a reference; <see langword="false"/> once the last one was released.</summary>
    public static bool TryAcquire(ref int references)
    {
        var seen = Volatile.Read(ref references);
        while (seen > 0)
        {
            var before = Interlocked.CompareExchange(ref references, seen + 1, seen);
            if (before == seen)
            {
                return true;
            }

            seen = before;
        }

        return false;
    }
}
