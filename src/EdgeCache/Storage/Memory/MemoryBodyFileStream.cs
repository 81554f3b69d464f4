namespace EdgeCache.Storage;

/// <summary>
/// A read-only seekable stream over a <see cref="MemoryBodyFile"/>: positioned reads (<c>pread</c>) on the
/// shared file, so any number of streams and sends read it at once. It holds one reference on the body and
/// gives it back when disposed.
/// </summary>
internal sealed class MemoryBodyFileStream(MemoryBodyFile body) : TierBodyStream(body, body.Length)
{
    private readonly MemoryBodyFile _body = body;

    protected override int ReadAt(long offset, Span<byte> buffer)
    {
        // A memory file is pages in memory: a positioned read is a copy, never a wait on a device.
        var n = RandomAccess.Read(_body.Handle, buffer, offset);
        return n > 0 ? n : throw new IOException("The memory body file is shorter than its entry says.");
    }
}
