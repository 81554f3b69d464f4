namespace EdgeCache.Storage;

/// <summary>Options of the memory tier.</summary>
public sealed class MemoryStoreOptions
{
    /// <summary>The smallest <see cref="FileBodyThreshold"/> other than 0 (off).</summary>
    public const long MinFileBodyThreshold = 4 * 1024;

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

    /// <summary>
    /// Bodies of at least this many bytes are kept in an anonymous memory file (<c>memfd_create</c>, Linux only)
    /// instead of a managed array, one open file per body shared by every reader, so that a server sends a hit
    /// with <c>sendfile(2)</c> instead of copying it into the socket. Default 128 KB (measured in session 10: less CPU per hit
    /// than an array from 256 KB up, even at 64-100 KB); 0 turns it off (every body in
    /// an array); otherwise at least <see cref="MinFileBodyThreshold"/>. Other platforms keep every body in an
    /// array whatever this says. The files' pages count in <see cref="SizeLimit"/> like arrays do (they are shared
    /// memory, not in the process's RSS).
    /// </summary>
    public long FileBodyThreshold { get; set; } = 128 * 1024;

    /// <summary>
    /// A bound on the body bytes this tier's writers hold in arrays before they publish, shared with whatever else is
    /// given the same budget (the server's collapse buffers). A write refused a share is not kept by this tier (the
    /// tiers below still take it). Default null: no bound beyond <see cref="MaxObjectSize"/> per writer.
    /// </summary>
    public InFlightBodyBudget? InFlightBudget { get; set; }

    internal long EffectiveMaxObjectSize => MaxObjectSize ?? Math.Max(SizeLimit / 8, 1);

    /// <summary>The threshold in force here: <see cref="long.MaxValue"/> when off or unsupported.</summary>
    internal long EffectiveFileBodyThreshold => FileBodyThreshold > 0 && MemoryBodyFiles.Supported ? FileBodyThreshold : long.MaxValue;

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

        if (FileBodyThreshold != 0 && FileBodyThreshold < MinFileBodyThreshold)
        {
            throw new ArgumentOutOfRangeException(nameof(FileBodyThreshold), FileBodyThreshold, "FileBodyThreshold must be 0 (off) or at least 4 KB.");
        }
    }
}
