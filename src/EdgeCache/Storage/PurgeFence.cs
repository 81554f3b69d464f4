namespace EdgeCache.Storage;

/// <summary>
/// Remembers the latest purges so that a write begun before a purge, and committed after it, is not
/// published: its body was fetched before the purge and may be exactly what the purge meant to remove.
/// The caller serialises <see cref="Record"/> with the purge itself and <see cref="Blocks"/> with the commit.
/// </summary>
internal sealed class PurgeFence
{
    /// <summary>Purges remembered; a write older than all of them is refused (it may have missed one).</summary>
    private const int Kept = 256;

    private readonly Queue<(long Sequence, PurgeRequest Purge)> _recent = new();
    private long _sequence;

    /// <summary>The sequence number a write records when it begins.</summary>
    public long Current => Interlocked.Read(ref _sequence);

    public void Record(PurgeRequest purge)
    {
        lock (_recent)
        {
            _recent.Enqueue((Interlocked.Increment(ref _sequence), purge));
            if (_recent.Count > Kept)
            {
                _recent.Dequeue();
            }
        }
    }

    /// <summary>Whether a purge since <paramref name="begun"/> selects the entry (soft purges too: the copy predates them).</summary>
    public bool Blocks(long begun, EntryMetadata metadata)
    {
        if (Current == begun)
        {
            return false;
        }

        lock (_recent)
        {
            if (_recent.Count == 0 || _recent.Peek().Sequence > begun + 1)
            {
                return true;
            }

            foreach (var (sequence, purge) in _recent)
            {
                if (sequence > begun && purge.Matches(metadata))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
