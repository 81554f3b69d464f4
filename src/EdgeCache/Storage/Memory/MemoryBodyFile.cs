using Microsoft.Win32.SafeHandles;

namespace EdgeCache.Storage;

/// <summary>
/// One memory-tier body kept in a memory file (<see cref="MemoryBodyFiles"/>) instead of the managed heap, with a
/// count of its references: one for the tier while the entry is stored (or in its removal grace), one for
/// each send or stream that reads it. The last release closes the file, which frees its pages at once; nothing
/// waits for the garbage collector.
/// </summary>
internal sealed class MemoryBodyFile : ITierBody
{
    private readonly MemoryBodyFiles _files;
    private int _references = 1;
    private int _removed;

    public MemoryBodyFile(MemoryBodyFiles files, FileStream file, long length)
    {
        _files = files;
        File = file;
        Handle = file.SafeFileHandle;
        Length = length;
    }

    /// <summary>The file, opened read-only for asynchronous reads (what sendfile through a socket needs); read at offsets only.</summary>
    public FileStream File { get; }

    /// <summary>
    /// <see cref="File"/>'s handle, read once: <see cref="FileStream.SafeFileHandle"/> makes an <c>lseek</c> on every
    /// access, which every read here (at explicit offsets) would pay.
    /// </summary>
    public SafeFileHandle Handle { get; }

    public long Length { get; }

    /// <summary>Takes a reference; <see langword="false"/> once the last one was released (the file is closed).</summary>
    public bool TryAcquire() => ReferenceCount.TryAcquire(ref _references);

    /// <summary>Gives back a reference; the last one closes the file.</summary>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            File.Dispose();
            _files.OnClosed(Length, Volatile.Read(ref _removed) != 0);
        }
        else if (left < 0)
        {
            throw new InvalidOperationException("A memory body file was released more often than it was acquired.");
        }
    }

    /// <summary>
    /// The tier no longer holds the entry: from here until the file closes its pages are counted as removed
    /// bytes (still memory the tier uses, charged to its budget, but no entry's).
    /// </summary>
    public void MarkRemoved()
    {
        if (Interlocked.Exchange(ref _removed, 1) == 0)
        {
            _files.OnRemoved(Length);
        }
    }

    /// <summary>A stream over the body that holds a reference until it is disposed.</summary>
    public Stream OpenStream()
        => TryAcquire() ? new MemoryBodyFileStream(this) : throw new IOException("The memory tier released this body (the entry was removed).");
}
