using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgeCache.Storage;

/// <summary>
/// The keys being copied up from the lower tier into memory, and whether a write or a delete of the key was
/// committed while the copy was under way. Such a copy is older than what memory now holds (or brings a
/// deleted entry back), so it must not be committed.
/// </summary>
/// <remarks>
/// <see cref="Overtake"/> and <see cref="Overtaken"/> run under the tiered store's commit lock, so a promotion's
/// check and commit cannot interleave with a write's commit. Nothing is allocated per promotion beyond the table's
/// slot, and a store without promotions in flight pays one count check per commit.
/// </remarks>
internal sealed class PromotionsInFlight
{
    private readonly Dictionary<string, Promotion> _byKey = new(StringComparer.Ordinal);

    /// <summary>Records a promotion of <paramref name="key"/> until the returned scope is disposed.</summary>
    public Scope Track(string key)
    {
        lock (_byKey)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(_byKey, key, out _).Count++;
        }

        return new Scope(this, key);
    }

    private void End(string key)
    {
        lock (_byKey)
        {
            ref var promotion = ref CollectionsMarshal.GetValueRefOrNullRef(_byKey, key);
            if (!Unsafe.IsNullRef(ref promotion) && --promotion.Count == 0)
            {
                _byKey.Remove(key);
            }
        }
    }

    /// <summary>A write or delete of <paramref name="key"/> was committed: a copy of it under way is out of date.</summary>
    public void Overtake(string key)
    {
        lock (_byKey)
        {
            if (_byKey.Count == 0)
            {
                return;
            }

            ref var promotion = ref CollectionsMarshal.GetValueRefOrNullRef(_byKey, key);
            if (!Unsafe.IsNullRef(ref promotion))
            {
                promotion.Overtaken = true;
            }
        }
    }

    public bool Overtaken(string key)
    {
        lock (_byKey)
        {
            return _byKey.TryGetValue(key, out var promotion) && promotion.Overtaken;
        }
    }

    /// <summary>Keys with a promotion in flight (for tests: the table must not keep keys).</summary>
    internal int Count
    {
        get
        {
            lock (_byKey)
            {
                return _byKey.Count;
            }
        }
    }

    /// <summary>One promotion's registration; disposing it ends the promotion.</summary>
    public readonly struct Scope(PromotionsInFlight owner, string key) : IDisposable
    {
        public void Dispose() => owner.End(key);
    }

    private struct Promotion
    {
        public int Count;
        public bool Overtaken;
    }
}
