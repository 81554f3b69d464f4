namespace EdgeCache.Storage;

/// <summary>An entry whose body is one byte array in memory.</summary>
/// <remarks>
/// The memory tier links its entries into its SIEVE queue through the internal fields below, so an
/// entry costs one object beside its metadata, key and body.
/// It is also the chain node of the store's hash table (<see cref="NextInBucket"/>).
/// </remarks>
public sealed class MemoryCacheEntry : CacheEntry
{
    private readonly byte[] _body;

    // SIEVE state, owned by MemoryStore: written under its lock, except Visited (set by readers).
    internal MemoryCacheEntry? Next;
    internal MemoryCacheEntry? Previous;
    internal MemoryCacheEntry? NextInBucket;
    internal volatile bool Visited;
    internal bool Removed;

    /// <summary>Creates an entry over a body that the caller gives up.</summary>
    public MemoryCacheEntry(EntryMetadata metadata, byte[] body)
        : base(metadata with { BodyLength = body.Length }) => _body = body;

    internal byte[] Body => _body;

    /// <inheritdoc />
    public override Stream OpenBody() => new MemoryStream(_body, writable: false);

    /// <inheritdoc />
    public override bool TryGetMemory(out ReadOnlyMemory<byte> body)
    {
        body = _body;
        return true;
    }
}
