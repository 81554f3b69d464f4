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

    /// <summary>Gives the body as memory when the store holds it in memory; otherwise <see langword="false"/>.</summary>
    public virtual bool TryGetMemory(out ReadOnlyMemory<byte> body)
    {
        body = default;
        return false;
    }

    /// <summary>The file that holds the body, when the store keeps it in one (for zero-copy sends); otherwise <see langword="null"/>.</summary>
    public virtual string? BodyFilePath => null;
}
