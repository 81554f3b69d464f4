using System.Buffers.Binary;

namespace EdgeCache.Storage;

/// <summary>
/// Counts of the disk index's rows per bucket of their key hash, so that a lookup of a key that was never written
/// (every tiered miss) is answered without a SQLite query. A zero count means no row has the hash; a non-zero one
/// means "maybe" (the query decides). Changed only under the index's write lock; read without a lock.
/// </summary>
/// <remarks>
/// Counts are four bits, two buckets to a byte: the default 10 GB disk tier's 4 Mi buckets cost 2 MB of RSS instead of
/// 4 (docs/performance.md, "Session 13: tiered RSS"). A bucket holds 0.25-4 rows on average (10 KB or 1 KB bodies), so
/// a count reaches 15 rarely; a byte is written whole, so a reader sees both of its counts as they were or as they are.
/// </remarks>
/// <remarks>
/// A count is raised before its row's transaction commits and lowered only after the removal commits, so it is never
/// lower than the rows it stands for (a transaction that fails leaves it too high: a "maybe", never a wrong "no"). A
/// count that reaches 15 stays there for good (a "maybe" from then on). Until <see cref="Fill"/> has run it answers
/// "maybe" to everything.
/// </remarks>
internal sealed class KeyHashFilter
{
    private const int Saturated = 0xF;

    private readonly byte[] _counts;
    private readonly int _mask;
    private volatile bool _ready;

    /// <summary>A filter of <paramref name="buckets"/> four-bit counts (a power of two).</summary>
    public KeyHashFilter(int buckets)
    {
        if (buckets <= 0 || (buckets & (buckets - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(buckets), buckets, "The bucket count must be a power of two.");
        }

        _counts = new byte[Math.Max(1, buckets / 2)];
        _mask = buckets - 1;
    }

    /// <summary>Whether the filter answers (it does once filled from the index).</summary>
    public bool Ready => _ready;

    /// <summary>Buckets with a non-zero count (tests and statistics; walks the whole array).</summary>
    public int Occupied
    {
        get
        {
            var occupied = 0;
            foreach (var pair in _counts)
            {
                occupied += ((pair & 0xF) != 0 ? 1 : 0) + ((pair >> 4) != 0 ? 1 : 0);
            }

            return occupied;
        }
    }

    /// <summary>The memory the counts take.</summary>
    public int SizeBytes => _counts.Length;

    /// <summary>A bucket count for an index that may hold up to <paramref name="sizeLimit"/> bytes: one per 4 KB, from 64 Ki to 16 Mi.</summary>
    public static int BucketsFor(long sizeLimit)
        => (int)Math.Clamp(System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1, sizeLimit / 4096)), 1UL << 16, 1UL << 24);

    /// <summary>False only when no row has this key hash.</summary>
    public bool MayContain(ReadOnlySpan<byte> hash)
    {
        if (!_ready)
        {
            return true;
        }

        var bucket = Bucket(hash);
        return ((Volatile.Read(ref _counts[bucket >> 1]) >> Shift(bucket)) & Saturated) != 0;
    }

    /// <summary>A row of this hash is about to be inserted (under the write lock, before the commit).</summary>
    public void Add(ReadOnlySpan<byte> hash)
    {
        var bucket = Bucket(hash);
        ref var pair = ref _counts[bucket >> 1];
        var shift = Shift(bucket);
        if (((pair >> shift) & Saturated) != Saturated)
        {
            Volatile.Write(ref pair, (byte)(pair + (1 << shift)));
        }
    }

    /// <summary>A row of this hash was removed (under the write lock, after the commit).</summary>
    public void Remove(ReadOnlySpan<byte> hash)
    {
        var bucket = Bucket(hash);
        ref var pair = ref _counts[bucket >> 1];
        var shift = Shift(bucket);
        if (((pair >> shift) & Saturated) is not (0 or Saturated))
        {
            Volatile.Write(ref pair, (byte)(pair - (1 << shift)));
        }
    }

    /// <summary>Counts every row's hash afresh (under the write lock, so no row comes or goes meanwhile), then starts answering.</summary>
    public void Fill(IEnumerable<byte[]> hashes)
    {
        // What was counted before (rows written since the open) is in the rows counted now.
        Array.Clear(_counts);
        foreach (var hash in hashes)
        {
            Add(hash);
        }

        _ready = true;
    }

    private static int Shift(int bucket) => (bucket & 1) << 2;

    private int Bucket(ReadOnlySpan<byte> hash) => (int)(BinaryPrimitives.ReadUInt64LittleEndian(hash) & (uint)_mask);
}
