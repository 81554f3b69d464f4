using System.Collections.Concurrent;

namespace EdgeCache.AspNetCore.Proxy;

/// <summary>
/// Keys whose last origin answer was uncacheable, remembered briefly so their requests go straight
/// to the origin instead of queueing behind one another as collapsed misses (Varnish's hit-for-pass).
/// </summary>
internal sealed class HitForPass(TimeProvider time, TimeSpan duration)
{
    // Bounded: past this many keys the set is cleared (it is only an optimisation).
    private const int MaxKeys = 100_000;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _until = new(StringComparer.Ordinal);

    public void Remember(string key)
    {
        if (duration <= TimeSpan.Zero)
        {
            return;
        }

        if (_until.Count >= MaxKeys)
        {
            _until.Clear();
        }

        _until[key] = time.GetUtcNow() + duration;
    }

    public void Forget(string key) => _until.TryRemove(key, out _);

    public bool IsPass(string key)
    {
        if (_until.IsEmpty || !_until.TryGetValue(key, out var until))
        {
            return false;
        }

        if (until > time.GetUtcNow())
        {
            return true;
        }

        _until.TryRemove(new KeyValuePair<string, DateTimeOffset>(key, until));
        return false;
    }
}
