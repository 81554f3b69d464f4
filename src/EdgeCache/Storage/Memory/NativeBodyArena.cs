using System.Numerics;

namespace EdgeCache.Storage;

/// <summary>
/// Native memory for the memory tier's small bodies, off the garbage-collected heap: slabs from
/// <see cref="SlabMemory"/>, each cut into blocks of one size class, with a free list per slab.
/// A freed block is reused by the next body of its class at once, and a slab whose blocks are all free goes back
/// to the system, so the tier's bodies cost what they occupy and nothing waits for a collection (on the GC heap,
/// evicted 10 KB arrays left 18-25 MB of free space in generation 2 beside a 64 MB tier: docs/performance.md).
/// </summary>
/// <remarks>
/// Classes are eight per doubling (at most 12.5% of a block unused; 16-byte steps up to 256 B), so a 10,240-byte
/// body fills its block exactly. Blocks are handed out and taken back under one lock: one of each per stored body,
/// next to a miss's origin round trip. What a block holds is freed only through <see cref="NativeBody"/>'s
/// reference count, never by the arena on its own.
/// </remarks>
internal sealed unsafe class NativeBodyArena
{
    /// <summary>
    /// Bodies shorter than this may live here. From 64 KB up a hit is sent past Kestrel's pipe with one gathering
    /// send of the head and the body (<c>DirectSendOutput</c>), which takes arrays only; those bodies stay in arrays,
    /// or in memory files from <see cref="MemoryStoreOptions.FileBodyThreshold"/> up.
    /// </summary>
    public const int Limit = 64 * 1024;

    private const int SlabTarget = 256 * 1024;
    private const int SmallStep = 16;
    private const int SmallLimit = 256;
    private const int SmallClasses = SmallLimit / SmallStep;

    private static readonly int s_classCount = ClassIndex(Limit - 1) + 1;

    private static long s_processSlabBytes;
    private static long s_processUsedBytes;

    private readonly Lock _lock = new();
    private readonly List<Slab>?[] _partial = new List<Slab>?[s_classCount];
    private long _slabBytes;
    private long _usedBytes;
    private long _removedBytes;
    private int _slabs;

    public NativeBodyArena()
    {
        // The process-wide gauges exist once any tier could hold a native body.
        _ = StorageTelemetry.MemoryNativeBytes;
        _ = StorageTelemetry.MemoryNativeSlabBytes;
    }

    /// <summary>Bytes in blocks in use, over every arena in the process.</summary>
    public static long ProcessUsedBytes => Interlocked.Read(ref s_processUsedBytes);

    /// <summary>Bytes in slabs, over every arena in the process.</summary>
    public static long ProcessSlabBytes => Interlocked.Read(ref s_processSlabBytes);

    /// <summary>Bytes in slabs now (blocks in use and free ones).</summary>
    public long SlabBytes => Interlocked.Read(ref _slabBytes);

    /// <summary>Bytes in blocks in use: stored bodies, removed ones still read, and writers' bodies not yet published.</summary>
    public long UsedBytes => Interlocked.Read(ref _usedBytes);

    /// <summary>Bytes in blocks of removed entries that a reader (or the removal grace) still holds.</summary>
    public long RemovedBytes => Interlocked.Read(ref _removedBytes);

    /// <summary>Slabs held now.</summary>
    public int Slabs => Volatile.Read(ref _slabs);

    /// <summary>Fills a block with this byte when it is freed (tests: a read after the free sees it, not the old bytes).</summary>
    internal byte? PoisonOnFree { get; set; }

    /// <summary>The block a body of <paramref name="length"/> bytes (1 to <see cref="Limit"/> - 1) takes.</summary>
    public static int BlockSize(int length)
    {
        if (length <= SmallLimit)
        {
            return (length + SmallStep - 1) & ~(SmallStep - 1);
        }

        var shift = BitOperations.Log2((uint)(length - 1)) - 3;
        return (((length - 1) >> shift) + 1) << shift;
    }

    /// <summary>Whether a body of <paramref name="length"/> bytes belongs here.</summary>
    public static bool Fits(long length) => length is > 0 and < Limit;

    /// <summary>A new body of <paramref name="length"/> bytes (contents undefined) holding the caller's one reference, or null when the system has no memory.</summary>
    public NativeBody? TryAllocate(int length)
    {
        var index = ClassIndex(length);
        var size = BlockSize(length);
        lock (_lock)
        {
            var partial = _partial[index] ??= [];
            if (partial.Count == 0 && !TryAddSlab(partial, size))
            {
                return null;
            }

            var slab = partial[^1];
            var block = slab.Take();
            if (slab.FreeCount == 0)
            {
                RemovePartial(partial, slab);
            }

            _usedBytes += size;
            Interlocked.Add(ref s_processUsedBytes, size);
            return new NativeBody(this, slab, block, slab.Base + ((long)block * size), length);
        }
    }

    /// <summary>Called by a body's last release: its block goes back to its slab's free list.</summary>
    public void Free(NativeBody body, bool removed)
    {
        var slab = body.Slab;
        if (PoisonOnFree is { } poison)
        {
            new Span<byte>(slab.Base + ((long)body.Block * slab.BlockSize), slab.BlockSize).Fill(poison);
        }

        lock (_lock)
        {
            _usedBytes -= slab.BlockSize;
            Interlocked.Add(ref s_processUsedBytes, -slab.BlockSize);
            if (removed)
            {
                _removedBytes -= slab.BlockSize;
            }

            slab.Give(body.Block);
            var partial = _partial[ClassIndex(slab.BlockSize)]!;
            if (slab.FreeCount == slab.Count)
            {
                // Nothing in it: back to the system, so a class that is no longer written holds nothing.
                if (slab.PartialIndex >= 0)
                {
                    RemovePartial(partial, slab);
                }

                _slabBytes -= (long)slab.Count * slab.BlockSize;
                Interlocked.Add(ref s_processSlabBytes, -(long)slab.Count * slab.BlockSize);
                _slabs--;
                SlabMemory.Free(slab.Base, (nuint)((long)slab.Count * slab.BlockSize));
                return;
            }

            if (slab.PartialIndex < 0)
            {
                slab.PartialIndex = partial.Count;
                partial.Add(slab);
            }
        }
    }

    /// <summary>A stored body's entry was removed: its block counts as removed bytes until it is freed.</summary>
    public void OnRemoved(int blockSize) => Interlocked.Add(ref _removedBytes, blockSize);

    private static int ClassIndex(int length)
    {
        if (length <= SmallLimit)
        {
            return ((length + SmallStep - 1) / SmallStep) - 1;
        }

        var log = BitOperations.Log2((uint)(length - 1));
        var step = ((length - 1) >> (log - 3)) - 8;
        return SmallClasses + ((log - 8) * 8) + step;
    }

    private static void RemovePartial(List<Slab> partial, Slab slab)
    {
        var last = partial[^1];
        partial[slab.PartialIndex] = last;
        last.PartialIndex = slab.PartialIndex;
        partial.RemoveAt(partial.Count - 1);
        slab.PartialIndex = -1;
    }

    private bool TryAddSlab(List<Slab> partial, int size)
    {
        var count = Math.Max(1, SlabTarget / size);
        var memory = SlabMemory.TryAllocate((nuint)((long)count * size));
        if (memory is null)
        {
            return false;
        }

        var slab = new Slab((byte*)memory, size, count) { PartialIndex = partial.Count };
        partial.Add(slab);
        _slabBytes += (long)count * size;
        Interlocked.Add(ref s_processSlabBytes, (long)count * size);
        _slabs++;
        return true;
    }

    /// <summary>One allocation cut into <see cref="Count"/> blocks of <see cref="BlockSize"/> bytes (under the arena's lock).</summary>
    internal sealed class Slab
    {
        private readonly int[] _free;

        public Slab(byte* memory, int blockSize, int count)
        {
            Base = memory;
            BlockSize = blockSize;
            Count = count;
            _free = new int[count];
            for (var i = 0; i < count; i++)
            {
                _free[i] = count - 1 - i;
            }

            FreeCount = count;
        }

        public byte* Base { get; }

        public int BlockSize { get; }

        public int Count { get; }

        public int FreeCount { get; private set; }

        /// <summary>Where the slab is in its class's list of slabs with free blocks, or -1.</summary>
        public int PartialIndex { get; set; }

        public int Take() => _free[--FreeCount];

        public void Give(int block) => _free[FreeCount++] = block;
    }
}
