using System.Diagnostics.CodeAnalysis;
using Microsoft.Win32.SafeHandles;

namespace EdgeCache.Storage;

/// <summary>
/// An entry whose body is a file of the disk tier. With <paramref name="file"/> (the lookup cache's open handle) a send
/// takes the body from that handle (<see cref="ISharedBodyFile"/>) instead of opening the file by name; once the cache
/// has let go of it, or without one, the path serves.
/// </summary>
internal sealed class DiskCacheEntry(EntryMetadata metadata, string bodyFilePath, DiskBodyHandle? file = null) : CacheEntry(metadata), IFileBackedBody, ISharedBodyFile
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
    public bool TryGetBodyFile([NotNullWhen(true)] out string? path, out long offset, out long length)
    {
        path = BodyFilePath!;
        offset = 0;
        length = Metadata.BodyLength;
        return length >= 0;
    }

    /// <inheritdoc />
    public bool TryAcquireBodyFile([NotNullWhen(true)] out SafeFileHandle? handle, out long length)
    {
        if (file is not null && file.TryAcquire())
        {
            handle = file.Handle;
            length = file.Length;
            return true;
        }

        handle = null;
        length = 0;
        return false;
    }

    /// <inheritdoc />
    public void ReleaseBodyFile() => (file ?? throw new InvalidOperationException("This entry has no open body file.")).Release();
}
