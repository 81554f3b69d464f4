namespace EdgeCache.Storage;

/// <summary>Options of the memory tier.</summary>
public sealed class MemoryStoreOptions
{
    /// <summary>
    /// The byte budget for bodies and metadata. Default 256 MB; at least 1 KB.
    /// When a new entry does not fit, entries are evicted (SIEVE) until it does.
    /// </summary>
    public long SizeLimit { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// The largest object the tier accepts. Default: one eighth of <see cref="SizeLimit"/>, so one
    /// object cannot flush the whole tier. Larger objects are declined (the write reports "not stored").
    /// </summary>
    public long? MaxObjectSize { get; set; }

    internal long EffectiveMaxObjectSize => MaxObjectSize ?? Math.Max(SizeLimit / 8, 1);

    /// <summary>Checks the options; throws <see cref="ArgumentOutOfRangeException"/> naming the bad setting.</summary>
    public void Validate()
    {
        if (SizeLimit < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(SizeLimit), SizeLimit, "The memory tier's SizeLimit must be at least 1 KB.");
        }

        if (MaxObjectSize is { } max && (max < 0 || max > SizeLimit))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxObjectSize), max, "MaxObjectSize must be between 0 and SizeLimit.");
        }
    }
}
