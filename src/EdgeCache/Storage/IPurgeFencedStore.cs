namespace EdgeCache.Storage;

/// <summary>
/// A store that fences fills against purges: a fill that began before a purge selecting it is not
/// published after the purge, since its body may be exactly what the purge meant to remove. A fill
/// begins when its origin request is sent, which can be well before its first write.
/// </summary>
public interface IPurgeFencedStore : ICacheStore
{
    /// <summary>How many purges the store has seen (its own and, through a backplane, other nodes'); a fill records it when it starts.</summary>
    long PurgeSequence { get; }

    /// <summary>Whether a purge after <paramref name="sequence"/> (a <see cref="PurgeSequence"/> value) selects an entry with <paramref name="metadata"/>.</summary>
    bool PurgedSince(long sequence, EntryMetadata metadata);

    /// <summary>
    /// Starts writing an entry for a fill that began at <paramref name="sequence"/>: the commit is refused
    /// when a purge since then selects it.
    /// </summary>
    ValueTask<ICacheEntryWriter?> BeginWriteAsync(EntryMetadata metadata, long sequence, CancellationToken cancellationToken = default);
}
