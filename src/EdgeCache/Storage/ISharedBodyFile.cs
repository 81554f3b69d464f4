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
    /// Takes a reference on the body's file. <see langword="true"/> gives the file's handle (opened for asynchronous
    /// reads, shared: read it only at explicit offsets, for example with <see cref="RandomAccess"/> or <c>sendfile(2)</c>,
    /// never move its offset and never dispose of it) and the body's length (the body is the file's first
    /// <paramref name="length"/> bytes); each must be matched by one <see cref="ReleaseBodyFile"/>, and the handle used
    /// only while the reference is held. <see langword="false"/> when the body is not in a shared file, or is gone (the
    /// entry was removed and every reference released).
    /// </summary>
    /// <param name="file">The body file's handle.</param>
    /// <param name="length">The body's length.</param>
    bool TryAcquireBodyFile([NotNullWhen(true)] out SafeFileHandle? file, out long length);

    /// <summary>Gives back a reference that <see cref="TryAcquireBodyFile"/> took.</summary>
    void ReleaseBodyFile();
}
