using System.Buffers.Binary;
using StackExchange.Redis;

namespace EdgeCache.Redis;

/// <summary>The purge-log position stored with a Redis entry (field <c>p</c>): the writer's epoch (16 bytes) and position (8, little-endian).</summary>
internal static class EntryPosition
{
    private const int Length = 16 + 8;

    public static byte[] Write(Guid epoch, long position)
    {
        var bytes = new byte[Length];
        epoch.TryWriteBytes(bytes.AsSpan(0, 16));
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(16), position);
        return bytes;
    }

    /// <summary>Reads the field; false when it is absent (an entry written without a purge log). A malformed one reads as an unknown epoch.</summary>
    public static bool TryRead(RedisValue value, out Guid epoch, out long position)
    {
        epoch = Guid.Empty;
        position = 0;
        if (value.IsNull)
        {
            return false;
        }

        var bytes = (byte[])value!;
        if (bytes.Length == Length)
        {
            epoch = new Guid(bytes.AsSpan(0, 16));
            position = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(16));
        }

        return true;
    }
}
