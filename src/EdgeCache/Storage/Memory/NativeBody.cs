using System.Buffers;

namespace EdgeCache.Storage;

/// <summary>
/// One memory-tier body in a <see cref="NativeBodyArena"/> block, with a count of its references: one for the
/// tier while the entry is stored (or in its removal grace), one for each reader that took a lease
/// (<see cref="CacheEntry.TryAcquireMemory"/>) or opened a stream. The last release gives the block back, and
/// the next body of its size may be written into it at once, so a reader must hold a reference for as long as it
/// touches the bytes: a read after the release would see another response's body.
/// </summary>
/// <remarks>
/// A released body is never revived (<see cref="TryAcquire"/> only counts up from above zero), and a block's next
/// body is a new object, so a stale entry can never lease the block's new contents. As a second guard the memory
/// this hands out refuses to give a span once the count reached zero.
/// </remarks>
internal sealed unsafe class NativeBody : MemoryManager<byte>, ITierBody
{
    private readonly NativeBodyArena _arena;
    private readonly byte* _pointer;
    private readonly int _length;
    private int _references = 1;
    private int _removed;

    public NativeBody(NativeBodyArena arena, NativeBodyArena.Slab slab, int block, byte* pointer, int length)
    {
        _arena = arena;
        Slab = slab;
        Block = block;
        _pointer = pointer;
        _length = length;
        Bytes = CreateMemory(length);
    }

    /// <summary>The body's bytes, valid while a reference is held.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    public int Length => _length;

    /// <summary>What the body occupies, and what the tier charges for it.</summary>
    public int BlockSize => Slab.BlockSize;

    internal NativeBodyArena.Slab Slab { get; }

    internal int Block { get; }

    /// <summary>The bytes to write before the body is published (the writer holds the only reference).</summary>
    public Span<byte> Writable => new(_pointer, _length);

    /// <summary>Takes a reference; <see langword="false"/> once the last one was released (the block is free).</summary>
    public bool TryAcquire() => ReferenceCount.TryAcquire(ref _references);

    /// <summary>Gives back a reference; the last one frees the block.</summary>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            _arena.Free(this, Volatile.Read(ref _removed) != 0);
        }
        else if (left < 0)
        {
            throw new InvalidOperationException("A memory-tier body was released more often than it was acquired.");
        }
    }

    /// <summary>The tier no longer holds the entry: until the block is freed it counts as removed bytes (charged, but no entry's).</summary>
    public void MarkRemoved()
    {
        if (Interlocked.Exchange(ref _removed, 1) == 0)
        {
            _arena.OnRemoved(BlockSize);
        }
    }

    /// <summary>A stream over the body that holds a reference until it is disposed (or collected).</summary>
    public Stream OpenStream()
        => TryAcquire() ? new NativeBodyStream(this) : throw new IOException("The memory tier released this body (the entry was removed).");

    /// <inheritdoc />
    public override Span<byte> GetSpan()
    {
        // Memory kept past its lease would otherwise read whatever body was written into the block next.
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _references) <= 0, this);
        return new Span<byte>(_pointer, _length);
    }

    /// <inheritdoc />
    /// <remarks>Native memory never moves: pinning is free and takes no reference (the caller's lease keeps the block).</remarks>
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _length);
        return new MemoryHandle(_pointer + elementIndex);
    }

    /// <inheritdoc />
    public override void Unpin()
    {
    }

    /// <inheritdoc />
    /// <remarks>The block's lifetime is the reference count, not this.</remarks>
    protected override void Dispose(bool disposing)
    {
    }
}
