namespace EdgeCache.AspNetCore.Proxy;

/// <summary>A stored body under metadata updated by a 304 (RFC 9111 section 4.3.4): the bytes are the stored entry's.</summary>
internal sealed class RevalidatedEntry(EntryMetadata metadata, CacheEntry body) : CacheEntry(metadata), IFileBackedBody, ISharedBodyFile
{
    public bool TryAcquireBodyFile([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Microsoft.Win32.SafeHandles.SafeFileHandle? file, out long length)
    {
        if (body is ISharedBodyFile shared)
        {
            return shared.TryAcquireBodyFile(out file, out length);
        }

        (file, length) = (null, 0);
        return false;
    }

    public void ReleaseBodyFile() => ((ISharedBodyFile)body).ReleaseBodyFile();

    public override Stream OpenBody() => body.OpenBody();

    public override bool TryGetMemory(out ReadOnlyMemory<byte> memory) => body.TryGetMemory(out memory);

    public override bool TryAcquireMemory(out ReadOnlyMemory<byte> memory) => body.TryAcquireMemory(out memory);

    public override void ReleaseMemory() => body.ReleaseMemory();

    public override string? BodyFilePath => body.BodyFilePath;

    public bool TryGetBodyFile([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? path, out long offset, out long length)
    {
        if (body is IFileBackedBody file)
        {
            return file.TryGetBodyFile(out path, out offset, out length);
        }

        (path, offset, length) = (null, 0, 0);
        return false;
    }
}
