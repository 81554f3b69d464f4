using Microsoft.Win32.SafeHandles;

namespace EdgeCache.Storage;

/// <summary>
/// A disk-tier body file kept open by the lookup cache (<see cref="DiskLookupCache"/>), shared by every hit on it,
/// with a count of its references: one for the cache while it holds the row, one for each send that reads it. The last
/// release closes the file. Body files are written once under a fresh id and never change, so an open handle always
/// reads the body its row named, even after the row is replaced and the file unlinked.
/// </summary>
internal sealed class DiskBodyHandle
{
    private int _references = 1;

    public DiskBodyHandle(SafeFileHandle handle, long length)
    {
        Handle = handle;
        Length = length;
    }

    /// <summary>The file, opened read-only for asynchronous reads (what sendfile through a socket needs); read at offsets only.</summary>
    public SafeFileHandle Handle { get; }

    /// <summary>The body's length (the file's, checked when it was opened).</summary>
    public long Length { get; }

    /// <summary>Takes a reference; <see langword="false"/> once the last one was released (the file is closed).</summary>
    public bool TryAcquire() => ReferenceCount.TryAcquire(ref _references);

    /// <summary>Gives back a reference; the last one closes the file.</summary>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            Handle.Dispose();
        }
        else if (left < 0)
        {
            throw new InvalidOperationException("A disk body file was released more often than it was acquired.");
        }
    }
}
