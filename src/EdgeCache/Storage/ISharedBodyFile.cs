using System.Diagnostics.CodeAnalysis;
using Microsoft.Win32.SafeHandles;

namespace EdgeCache.Storage;

/// <summary>
/// A stored body that lies in one open file that the store shares among all its readers (the memory tier's
/// memory files on Linux), so that a server can hand it to the socket with <c>sendfile(2)</c> without opening
/// anything per request. The store counts the references: the file stays open while the store holds the entry
/// or anyone holds a reference, and is closed as soon as neither does.
/// </summary>
public interface ISharedBodyFile
{
    /// <summary>
    /// Takes a reference on the body's file. <see langword="true"/> gives the file (opened for asynchronous
    /// reads, shared: read it only at explicit offsets, for example with <see cref="RandomAccess"/> or
    /// <c>SendPacketsElement</c>, and never dispose of it) and the body's length (the body is the file's first
    /// <paramref name="length"/> bytes); each must be matched by one <see cref="ReleaseBodyFile"/>.
    /// <see langword="false"/> when the body is not in a shared file, or is gone (the entry was removed and
    /// every reference released).
    /// </summary>
    /// <param name="file">The body's file.</param>
    /// <param name="length">The body's length.</param>
    bool TryAcquireBodyFile([NotNullWhen(true)] out FileStream? file, out long length);

    /// <summary>
    /// <see cref="TryAcquireBodyFile(out FileStream?, out long)"/>, giving also the file's handle as read once when it
    /// was opened: <see cref="FileStream.SafeFileHandle"/> moves the descriptor's offset (an <c>lseek</c>) on every
    /// access, a system call per hit on a send path that reads at explicit offsets only. The same rules hold: one
    /// <see cref="ReleaseBodyFile"/> per success, use the handle only while holding the reference, never dispose of it.
    /// </summary>
    /// <param name="file">The body's file.</param>
    /// <param name="handle">The file's handle.</param>
    /// <param name="length">The body's length.</param>
    bool TryAcquireBodyFile([NotNullWhen(true)] out FileStream? file, [NotNullWhen(true)] out SafeFileHandle? handle, out long length)
    {
        if (TryAcquireBodyFile(out file, out length))
        {
            handle = file.SafeFileHandle;
            return true;
        }

        handle = null;
        return false;
    }

    /// <summary>Gives back a reference that <see cref="TryAcquireBodyFile(out FileStream?, out long)"/> took.</summary>
    void ReleaseBodyFile();
}
