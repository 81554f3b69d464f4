namespace EdgeCache.Storage;

/// <summary>Options of the disk tier.</summary>
public sealed class DiskStoreOptions
{
    /// <summary>The directory that holds the index and the body files. Default <c>./edgecache-data</c>.</summary>
    public string DataDirectory { get; set; } = "./edgecache-data";

    /// <summary>
    /// The byte budget for bodies. Default 10 GB; at least 1 KB. When a new entry does not fit, the least
    /// recently accessed entries are evicted until it does.
    /// </summary>
    public long SizeLimit { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>
    /// The largest object the tier accepts. Default: one eighth of <see cref="SizeLimit"/>, so one object
    /// cannot flush the whole tier. Larger objects are declined.
    /// </summary>
    public long? MaxObjectSize { get; set; }

    /// <summary>How often expired entries are reclaimed and access times written to the index. Default 30 seconds.</summary>
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a replaced, purged or evicted body file stays on disk before it is deleted, so a reader that
    /// found the entry just before can still open it. Default 10 seconds.
    /// </summary>
    public TimeSpan DeletionGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many written entries may wait for their index row (write-behind) before further disk writes are
    /// dropped. Default 4096; at least 1. A dropped write is not cached on disk (a tier above may still hold
    /// it), is counted in <c>edgecache.store.writes_dropped</c>, and never makes the request wait.
    /// </summary>
    public int WriteQueueCapacity { get; set; } = 4096;

    /// <summary>
    /// How many bytes of bodies the entries waiting for their index row may hold (bodies kept in their row, see
    /// <see cref="InlineBodyLimit"/>; a body in a file of its own costs the queue nothing) before further disk writes are
    /// dropped as when <see cref="WriteQueueCapacity"/> is reached. Default 16 MB; at least 1 MB (the largest body a row
    /// holds), at most 1 GB. It bounds the memory the queue takes beside the memory tier: 4096 rows of 10 KB bodies are 40 MB.
    /// </summary>
    public long WriteQueueBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>The smallest <see cref="WriteQueueBytes"/>: 1 MB, the largest body a row holds.</summary>
    public const long MinWriteQueueBytes = 1024 * 1024;

    /// <summary>The largest <see cref="WriteQueueBytes"/>: 1 GB.</summary>
    public const long MaxWriteQueueBytes = 1024L * 1024 * 1024;

    /// <summary>
    /// Bodies of a known length up to this many bytes are kept in their index row instead of a file of
    /// their own: creating a file costs more than the whole row on most file systems. Default 16 KB; 0 keeps
    /// every body in a file. At most 1 MB.
    /// </summary>
    public int InlineBodyLimit { get; set; } = 16 * 1024;

    /// <summary>
    /// How many entries found on disk are kept in memory with their body files open (or their small bodies), so that
    /// the next hit on one costs no index query and no open of its file: the disk tier's counterpart of nginx's keys
    /// zone and <c>open_file_cache</c>. Default 4096; 0 turns it off; at most 1,000,000. Each entry of a body in a file
    /// holds one file descriptor; bodies kept in their row are held up to 1 KB per entry of this size in all (4 MB by
    /// default). Every change of the index drops the entries it touches, and an entry is read again from the index
    /// after 30 seconds, so a file removed or damaged behind the store's back is noticed.
    /// </summary>
    public int LookupCacheSize { get; set; } = 4096;

    /// <summary>The largest <see cref="LookupCacheSize"/>.</summary>
    public const int MaxLookupCacheSize = 1_000_000;

    /// <summary>Fault injection for tests: awaited before each batch of index rows is committed (a slow disk).</summary>
    internal Func<Task>? BeforeBatchCommit { get; set; }

    /// <summary>Fault injection for tests: called before a body file is opened for the lookup cache; an exception it returns is thrown by the open (e.g. EMFILE).</summary>
    internal Func<Exception?>? BodyOpenFault { get; set; }

    /// <summary>Fault injection for tests: called before the index applies a purge (throw to play a full disk).</summary>
    internal Action? BeforeIndexPurge { get; set; }

    internal long EffectiveMaxObjectSize => MaxObjectSize ?? Math.Max(SizeLimit / 8, 1);

    /// <summary>Checks the options; throws <see cref="ArgumentOutOfRangeException"/> naming the bad setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            throw new ArgumentOutOfRangeException(nameof(DataDirectory), DataDirectory, "The disk tier needs a data directory.");
        }

        if (SizeLimit < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(SizeLimit), SizeLimit, "The disk tier's SizeLimit must be at least 1 KB.");
        }

        if (MaxObjectSize is { } max && (max < 0 || max > SizeLimit))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxObjectSize), max, "MaxObjectSize must be between 0 and SizeLimit.");
        }

        if (MaintenanceInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MaintenanceInterval), MaintenanceInterval, "MaintenanceInterval must be positive.");
        }

        if (InlineBodyLimit is < 0 or > 1024 * 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(InlineBodyLimit), InlineBodyLimit, "InlineBodyLimit must be between 0 and 1 MB.");
        }

        if (WriteQueueCapacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(WriteQueueCapacity), WriteQueueCapacity, "WriteQueueCapacity must be at least 1.");
        }

        if (WriteQueueBytes is < MinWriteQueueBytes or > MaxWriteQueueBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(WriteQueueBytes), WriteQueueBytes, "WriteQueueBytes must be between 1 MB and 1 GB.");
        }

        if (LookupCacheSize is < 0 or > MaxLookupCacheSize)
        {
            throw new ArgumentOutOfRangeException(nameof(LookupCacheSize), LookupCacheSize, "LookupCacheSize must be between 0 and 1,000,000.");
        }

        if (DeletionGrace < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(DeletionGrace), DeletionGrace, "DeletionGrace must not be negative.");
        }
    }
}
