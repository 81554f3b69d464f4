using System.Diagnostics.CodeAnalysis;

namespace EdgeCache.Storage;

/// <summary>
/// A stored body that lies in a file as it is, so that a server can hand it to the socket with
/// <c>sendfile(2)</c> instead of reading it through user space. A <see cref="CacheEntry"/> implements this
/// when its store keeps the body in a file.
/// </summary>
public interface IFileBackedBody
{
    /// <summary>
    /// The file holding the body and where in it: the body is the <paramref name="length"/> bytes from
    /// <paramref name="offset"/>, with no framing or transformation. <see langword="false"/> when the body
    /// is not (or not yet) in a file that can be sent as it is, for example while a write-behind queue
    /// still holds it, or when the store has to verify the bytes as it reads them.
    /// </summary>
    /// <param name="path">The body file.</param>
    /// <param name="offset">Where the body starts in the file.</param>
    /// <param name="length">The body's length.</param>
    bool TryGetBodyFile([NotNullWhen(true)] out string? path, out long offset, out long length);
}
