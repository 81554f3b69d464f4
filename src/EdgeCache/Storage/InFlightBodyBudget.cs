namespace EdgeCache.Storage;

/// <summary>
/// A bound on the body bytes that writes and fills in flight hold on the managed heap at once, shared by every store and
/// proxy given it: the memory tier's writers (a body collected in an array before it is published) and the caching
/// proxy's collapse buffers. What the tier holds is bounded by its own budget; this bounds what is on its way in, so
/// that the two together fit under a GC heap limit. A request refused a share is still answered: the memory tier does
/// not take that body (the tiers below still do), and a fill that cannot buffer its body whole streams it through.
/// </summary>
public sealed class InFlightBodyBudget
{
    private long _held;
    private long _refusals;

    /// <summary>Creates a budget of <paramref name="limit"/> bytes.</summary>
    public InFlightBodyBudget(long limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        Limit = limit;
    }

    /// <summary>The bytes that may be held at once.</summary>
    public long Limit { get; }

    /// <summary>The bytes held now.</summary>
    public long Held => Volatile.Read(ref _held);

    /// <summary>How many shares were refused since start.</summary>
    public long Refusals => Volatile.Read(ref _refusals);

    /// <summary>Takes <paramref name="bytes"/> when they fit under <see cref="Limit"/>; false, and nothing taken, otherwise.</summary>
    public bool TryTake(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        var held = Volatile.Read(ref _held);
        while (true)
        {
            if (bytes > Limit - held)
            {
                Interlocked.Increment(ref _refusals);
                return false;
            }

            var seen = Interlocked.CompareExchange(ref _held, held + bytes, held);
            if (seen == held)
            {
                return true;
            }

            held = seen;
        }
    }

    /// <summary>Gives back <paramref name="bytes"/> taken with <see cref="TryTake"/>.</summary>
    public void Return(long bytes)
    {
        if (bytes > 0)
        {
            Interlocked.Add(ref _held, -bytes);
        }
    }
}
