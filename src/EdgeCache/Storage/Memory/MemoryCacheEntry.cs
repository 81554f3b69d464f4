using System.Diagnostics.CodeAnalysis;
using Microsoft.Win32.SafeHandles;

namespace EdgeCache.Storage;

/// <summary>An entry whose body is in memory: one byte array, or (large bodies on Linux) one memory file shared by every reader.</summary>
/// <remarks>
/// The memory tier links its entries into its SIEVE queue through the internal fields below, so an
/// entry costs one object beside its metadata, key and body.
/// It is also the chain node of the store's hash table (<see cref="NextInBucket"/>).
/// </remarks>
public sealed class MemoryCacheEntry : CacheEntry, ISharedBodyFile
{
    private readonly byte[]? _body;
    private readonly MemoryBodyFile? _file;

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

    /// <summary>The body's array, or null when it is in a file.</summary>
    internal byte[]? Body => _body;

    /// <summary>The body's file, or null when it is in an array.</summary>
    internal MemoryBodyFile? BodyFile => _file;

    /// <inheritdoc />
    public override Stream OpenBody() => _file is null ? new MemoryStream(_body!, writable: false) : _file.OpenStream();

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
