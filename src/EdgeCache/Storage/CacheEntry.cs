namespace EdgeCache.Storage;

/// <summary>
/// A stored entry found by <see cref="ICacheStore.GetAsync"/>: its metadata and a way to read its body.
/// Entries are immutable; a memory store may hand out the same instance to every reader.
/// </summary>
public abstract class CacheEntry
{
    /// <summary>Creates an entry over its metadata.</summary>
    protected CacheEntry(EntryMetadata metadata) => Metadata = metadata;

    /// <summary>The entry's metadata.</summary>
    public EntryMetadata Metadata { get; }

    /// <summary>Opens the body as a new seekable read-only stream positioned at 0.</summary>
    public abstract Stream OpenBody();

    /// <summary>
    /// Gives the body as memory when the store holds it in memory that stays valid for as long as the caller keeps
    /// the <see cref="ReadOnlyMemory{T}"/> (a managed array); otherwise <see langword="false"/>. A body in memory the
    /// store frees itself (the memory tier's native blocks) is not given here: see <see cref="TryAcquireMemory"/>.
    /// </summary>
    public virtual bool TryGetMemory(out ReadOnlyMemory<byte> body)
    {
        body = default;
        return false;
    }

    /// <summary>
    /// Takes a lease on the body's memory: <see langword="true"/> gives the body, valid until the matching
    /// <see cref="ReleaseMemory"/>, which each success must be matched by exactly once (the body may be evicted,
    /// purged or replaced meanwhile; its bytes stay until the last lease is given back, and may hold another
    /// response's body after it). <see langword="false"/> when the body is not in memory, or is gone. The default
    /// gives what <see cref="TryGetMemory"/> gives, with nothing to release.
    /// </summary>
    /// <param name="body">The body, to read only while the lease is held.</param>
    public virtual bool TryAcquireMemory(out ReadOnlyMemory<byte> body) => TryGetMemory(out body);

    /// <summary>Gives back a lease that <see cref="TryAcquireMemory"/> took.</summary>
    public virtual void ReleaseMemory()
    {
    }

    /// <summary>The file that holds the body, when the store keeps it in one (for zero-copy sends); otherwise <see langword="null"/>.</summary>
    public virtual string? BodyFilePath => null;
}
