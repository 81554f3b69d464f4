using System.Diagnostics.CodeAnalysis;
using Microsoft.Win32.SafeHandles;

namespace EdgeCache.Storage;

/// <summary>
/// An entry whose body is in memory: a native block (bodies under 64 KB, read through
/// <see cref="CacheEntry.TryAcquireMemory"/> leases or <see cref="OpenBody"/> streams), one byte array, or (large
/// bodies on Linux) one memory file shared by every reader.
/// </summary>
/// <remarks>
/// The memory tier links its entries into its SIEVE queue through the internal fields below, so an
/// entry costs one object beside its metadata, key and body.
/// It is also the chain node of the store's hash table (<see cref="NextInBucket"/>).
/// </remarks>
public sealed class MemoryCacheEntry : CacheEntry, ISharedBodyFile
{
    private readonly byte[]? _body;
    private readonly MemoryBodyFile? _file;
    private readonly NativeBody? _native;

    // SIEVE state, owned by MemoryStore: written under its lock, except Visited and LastHitTicks (set by readers).
    internal MemoryCacheEntry? Next;
    internal MemoryCacheEntry? Previous;
    internal MemoryCacheEntry? NextInBucket;
    internal volatile bool Visited;
    internal bool Removed;

    // When a reader last found the entry: a body file removed within the grace after it is kept open that long, for
    // the reader that found the entry just before it went and has not taken its reference yet.
    internal long LastHitTicks;

    /// <summary>Creates an entry over a body that the caller gives up.</summary>
    public MemoryCacheEntry(EntryMetadata metadata, byte[] body)
        : base(metadata with { BodyLength = body.Length }) => _body = body;

    internal MemoryCacheEntry(EntryMetadata metadata, MemoryBodyFile file)
        : base(metadata.BodyLength == file.Length ? metadata : metadata with { BodyLength = file.Length }) => _file = file;

    internal MemoryCacheEntry(EntryMetadata metadata, NativeBody native)
        : base(metadata.BodyLength == native.Length ? metadata : metadata with { BodyLength = native.Length }) => _native = native;

    /// <summary>The body's array, or null when it is in a file or a native block.</summary>
    internal byte[]? Body => _body;

    /// <summary>The body's file, or null.</summary>
    internal MemoryBodyFile? BodyFile => _file;

    /// <summary>The body's native block, or null.</summary>
    internal NativeBody? NativeBody => _native;

    /// <summary>What the tier frees by reference count (a file or a native block), or null for an array.</summary>
    internal ITierBody? CountedBody => (ITierBody?)_native ?? _file;

    /// <summary>The body bytes the tier charges: a native body's whole block.</summary>
    internal long ChargedBodyLength => _native?.BlockSize ?? Metadata.BodyLength;

    /// <inheritdoc />
    public override Stream OpenBody() => _native is not null ? _native.OpenStream() : _file is null ? new MemoryStream(_body!, writable: false) : _file.OpenStream();

    /// <inheritdoc />
    public override bool TryAcquireMemory(out ReadOnlyMemory<byte> body)
    {
        if (_native is null)
        {
            body = _body;
            return _body is not null;
        }

        if (_native.TryAcquire())
        {
            body = _native.Bytes;
            return true;
        }

        body = default;
        return false;
    }

    /// <inheritdoc />
    public override void ReleaseMemory() => _native?.Release();

    /// <inheritdoc />
    public override bool TryGetMemory(out ReadOnlyMemory<byte> body)
    {
        body = _body;
        return _body is not null;
    }

    /// <inheritdoc />
    public bool TryAcquireBodyFile([NotNullWhen(true)] out SafeFileHandle? file, out long length)
    {
        if (_file is not null && _file.TryAcquire())
        {
            file = _file.Handle;
            length = _file.Length;
            return true;
        }

        file = null;
        length = 0;
        return false;
    }

    /// <inheritdoc />
    public void ReleaseBodyFile() => (_file ?? throw new InvalidOperationException("This entry's body is not in a file.")).Release();
}
