using EdgeCache.Storage;

namespace EdgeCache.Redis;

/// <summary>
/// The purges of the log this node knows, by sequence number (the last <see cref="RedisTierOptions.PurgeLogLength"/>):
/// what a Redis entry is checked against. Each entry in Redis carries the writer's purge-log position when its write
/// began; a purge after that position that selects the entry means its body may predate the purge (a fill in flight
/// on another node that reached Redis before that node heard of the purge), and the entry is not served.
/// </summary>
internal sealed class RecentPurges(int capacity)
{
    private readonly Lock _lock = new();
    private readonly (long Sequence, PurgeRequest? Purge)[] _slots = new (long, PurgeRequest?)[capacity];
    private Guid _epoch;

    // Every purge from here up to _highest has been recorded (or is still in flight to this node); below, nothing is known.
    private long _lowest = long.MaxValue;
    private long _highest;

    /// <summary>
    /// Declares that every purge of <paramref name="epoch"/> after <paramref name="after"/> is about to be recorded (a read
    /// of the whole log): from there on this node can tell. A new epoch forgets everything before it.
    /// </summary>
    public void KnowAfter(Guid epoch, long after)
    {
        lock (_lock)
        {
            SwitchTo(epoch);
            _lowest = Math.Min(_lowest, after + 1);
            _highest = Math.Max(_highest, after);
        }
    }

    /// <summary>Records one logged purge (this node's own or another's). A new epoch forgets everything before it.</summary>
    public void Record(Guid epoch, long sequence, PurgeRequest purge)
    {
        lock (_lock)
        {
            SwitchTo(epoch);

            ref var slot = ref _slots[sequence % _slots.Length];
            if (slot.Sequence > sequence)
            {
                return; // older than what the ring keeps
            }

            slot = (sequence, purge);
            _highest = Math.Max(_highest, sequence);
            _lowest = Math.Max(Math.Min(_lowest, sequence), _highest - _slots.Length + 1);
        }
    }

    private void SwitchTo(Guid epoch)
    {
        if (epoch != _epoch)
        {
            Array.Clear(_slots);
            _epoch = epoch;
            _lowest = long.MaxValue;
            _highest = 0;
        }
    }

    /// <summary>
    /// What happened since to an entry written from position <paramref name="position"/> of epoch <paramref name="epoch"/>:
    /// a known later purge selects it (hard, or only soft), or this node cannot tell (another epoch, or older than it
    /// knows: taken as a hard purge).
    /// </summary>
    public PurgedSince Check(Guid epoch, long position, EntryMetadata metadata)
    {
        lock (_lock)
        {
            if (epoch != _epoch || epoch == Guid.Empty || position + 1 < _lowest)
            {
                return position >= _highest && epoch == _epoch && epoch != Guid.Empty ? PurgedSince.Nothing : PurgedSince.Hard;
            }

            var result = PurgedSince.Nothing;
            for (var sequence = position + 1; sequence <= _highest; sequence++)
            {
                var (recorded, purge) = _slots[sequence % _slots.Length];
                if (recorded == sequence && purge!.Matches(metadata))
                {
                    if (!purge.Soft)
                    {
                        return PurgedSince.Hard;
                    }

                    result = PurgedSince.Soft;
                }
            }

            return result;
        }
    }
}

/// <summary>What <see cref="RecentPurges.Check"/> found.</summary>
internal enum PurgedSince
{
    /// <summary>No known purge since selects the entry.</summary>
    Nothing,

    /// <summary>Only soft purges do: serve it as stale (revalidate first).</summary>
    Soft,

    /// <summary>A hard purge does, or it cannot be told: not served.</summary>
    Hard,
}
