
namespace EdgeCache.Storage;

/// <content>The rows the index hands out and takes.</content>
internal sealed partial class DiskIndex
{
    /// <summary>
    /// A found row. <see cref="Checksum"/> is the body's XxHash3 (null for rows of an index that predates it);
    /// <see cref="Body"/> holds a small body kept in the row itself (null: the body is in its file).
    /// </summary>
    internal readonly record struct Row(long Id, string Key, long Size, long ExpiresMs, bool Invalidated, byte[] Metadata, long? Checksum, byte[]? Body);

    /// <summary>A row to insert.</summary>
    internal readonly record struct NewRow(long Id, byte[] Hash, string Key, string Url, string Host, long Size, long ExpiresMs, long AccessedMs, bool Invalidated, ReadOnlyMemory<byte> Metadata, long Checksum, ReadOnlyMemory<byte>? Body);

    /// <summary>A removed row: its body file, when it has one, is to be deleted.</summary>
    internal readonly record struct Removed(long Id, long Size, string Key, bool HasFile);
}
