namespace EdgeCache.Storage;

/// <summary>An entry whose body is one byte array in memory.</summary>
public sealed class MemoryCacheEntry : CacheEntry
{
    private readonly byte[] _body;

    /// <summary>Creates an entry over a body that the caller gives up.</summary>
    public MemoryCacheEntry(EntryMetadata metadata, byte[] body)
        : base(metadata with { BodyLength = body.Length }) => _body = body;

    /// <inheritdoc />
    public override Stream OpenBody() => new MemoryStream(_body, writable: false);

    /// <inheritdoc />
    public override bool TryGetMemory(out ReadOnlyMemory<byte> body)
    {
        body = _body;
        return true;
    }
}
