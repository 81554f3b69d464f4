using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgeCache.Storage;

/// <summary>
/// Among writes of one key that are in flight at the same time, the one with the most recent response wins,
/// whatever order they commit in (RFC 9111 section 4: a cache uses the most recent response).
/// </summary>
/// <remarks>
/// Without it the last write to commit wins. Concurrent fills of one key (the Cache API does not collapse
/// them, and a promotion copies an older entry up while a new one is written) finish within a millisecond
/// of each other, and then their commit order is the thread pool's, not the order the origin answered in.
/// Writes that do not overlap are ordered by time anyway: a write that begins after another committed
/// replaces it. The caller serialises <see cref="Superseded"/> and <see cref="Committed"/> with the commits
/// themselves (the store's commit lock); <see cref="Begin"/> and <see cref="End"/> may run at any time.
/// Nothing is allocated per write: the table holds a value per key with a write in flight.
/// </remarks>
internal sealed class OverlappingWrites
{
    private readonly Dictionary<string, KeyWrites> _inFlight = new(StringComparer.Ordinal);

    /// <summary>Records that a write of <paramref name="key"/> began; pair it with one <see cref="End"/>.</summary>
    public void Begin(string key)
    {
        lock (_inFlight)
        {
            ref var writes = ref CollectionsMarshal.GetValueRefOrAddDefault(_inFlight, key, out var exists);
            if (!exists)
            {
                writes.NewestCommitted = long.MinValue;
            }

            writes.Count++;
        }
    }

    /// <summary>Whether an overlapping write of the same key with a more recent response has already committed.</summary>
    public bool Superseded(EntryMetadata metadata)
    {
        lock (_inFlight)
        {
            return _inFlight.TryGetValue(metadata.Key, out var writes) && writes.NewestCommitted > metadata.ResponseTime.UtcTicks;
        }
    }

    /// <summary>Records a committed write, for the overlapping ones still to commit.</summary>
    public void Committed(EntryMetadata metadata)
    {
        lock (_inFlight)
        {
            ref var writes = ref CollectionsMarshal.GetValueRefOrNullRef(_inFlight, metadata.Key);
            if (!Unsafe.IsNullRef(ref writes))
            {
                writes.NewestCommitted = Math.Max(writes.NewestCommitted, metadata.ResponseTime.UtcTicks);
            }
        }
    }

    /// <summary>Records that a write of <paramref name="key"/> ended (committed, superseded or abandoned).</summary>
    public void End(string key)
    {
        lock (_inFlight)
        {
            ref var writes = ref CollectionsMarshal.GetValueRefOrNullRef(_inFlight, key);
            if (!Unsafe.IsNullRef(ref writes) && --writes.Count == 0)
            {
                _inFlight.Remove(key);
            }
        }
    }

    /// <summary>The number of keys with a write in flight (for tests: the table must not grow without bound).</summary>
    internal int KeysInFlight
    {
        get
        {
            lock (_inFlight)
            {
                return _inFlight.Count;
            }
        }
    }

    private struct KeyWrites
    {
        public int Count;
        public long NewestCommitted;
    }
}
