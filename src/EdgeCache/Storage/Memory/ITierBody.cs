namespace EdgeCache.Storage;

/// <summary>
/// A memory-tier body that lives outside the GC heap (a memory file, a native block) and is freed by a count of
/// references: what the tier's removal and its removal grace hold and give back.
/// </summary>
internal interface ITierBody
{
    /// <summary>Takes a reference; <see langword="false"/> once the last one was released (the body is freed).</summary>
    bool TryAcquire();

    /// <summary>Gives back one reference; the last frees the body.</summary>
    void Release();

    /// <summary>The tier no longer holds the entry (the body counts as removed bytes until freed).</summary>
    void MarkRemoved();
}
