namespace EdgeCache.Storage;

/// <summary>An entry whose body is a file of the disk tier.</summary>
internal sealed class DiskCacheEntry(EntryMetadata metadata, string bodyFilePath) : CacheEntry(metadata), IFileBackedBody
{
    /// <inheritdoc />
    public override string? BodyFilePath { get; } = bodyFilePath;

    /// <inheritdoc />
    public override Stream OpenBody() => new FileStream(BodyFilePath!, new FileStreamOptions
    {
        Mode = FileMode.Open,
        Access = FileAccess.Read,
        // Delete: a replaced body may be unlinked while a reader still streams it.
        Share = FileShare.ReadWrite | FileShare.Delete,
        BufferSize = 64 * 1024,
        Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
    });

    /// <inheritdoc />
    public bool TryGetBodyFile([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? path, out long offset, out long length)
    {
        path = BodyFilePath!;
        offset = 0;
        length = Metadata.BodyLength;
        return length >= 0;
    }
}
