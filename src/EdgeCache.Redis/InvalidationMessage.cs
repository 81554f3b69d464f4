using System.Text;
using EdgeCache.Storage;

namespace EdgeCache.Redis;

/// <summary>
/// The backplane's messages: [1][node id, 16 bytes][operation][purge kind][soft][key or purge value, UTF-8];
/// a logged purge is sent with its place in the purge log in front.
/// </summary>
internal static class InvalidationMessage
{
    private const byte Version = 1;
    private const byte LoggedVersion = 2;
    private const byte DeleteOperation = 0;
    private const byte PurgeOperation = 1;
    private const int HeaderLength = 1 + 16 + 1 + 1 + 1;

    // A logged purge on the channel: [2][epoch, 16 bytes][sequence, 8 bytes little-endian][the message].
    public const int LoggedHeaderLength = 1 + 16 + 8;

    public static byte[] Encode(Guid nodeId, CacheInvalidation invalidation)
    {
        var value = invalidation.Key ?? invalidation.Purge!.Value;
        var message = new byte[HeaderLength + Encoding.UTF8.GetByteCount(value)];
        message[0] = Version;
        nodeId.TryWriteBytes(message.AsSpan(1, 16));
        message[17] = invalidation.Key is null ? PurgeOperation : DeleteOperation;
        message[18] = invalidation.Purge is { } purge ? (byte)purge.Kind : (byte)0;
        message[19] = invalidation.Purge is { Soft: true } ? (byte)1 : (byte)0;
        Encoding.UTF8.GetBytes(value, message.AsSpan(HeaderLength));
        return message;
    }

    public static bool TryDecode(ReadOnlySpan<byte> message, out Guid nodeId, out CacheInvalidation? invalidation)
    {
        nodeId = default;
        invalidation = null;
        if (message.Length < HeaderLength || message[0] != Version || message[19] > 1 || !Enum.IsDefined((PurgeKind)message[18]))
        {
            return false;
        }

        nodeId = new Guid(message.Slice(1, 16));
        string value;
        try
        {
            value = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(message[HeaderLength..]);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        invalidation = message[17] switch
        {
            DeleteOperation => CacheInvalidation.Delete(value),
            PurgeOperation => CacheInvalidation.ForPurge(new PurgeRequest((PurgeKind)message[18], value, message[19] == 1)),
            _ => null,
        };
        return invalidation is not null;
    }

    /// <summary>A logged purge as sent on the channel: its epoch and sequence number before the message.</summary>
    public static byte[] EncodeLogged(Guid epoch, long sequence, byte[] message)
    {
        var logged = new byte[LoggedHeaderLength + message.Length];
        logged[0] = LoggedVersion;
        epoch.TryWriteBytes(logged.AsSpan(1, 16));
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(logged.AsSpan(17, 8), sequence);
        message.CopyTo(logged.AsSpan(LoggedHeaderLength));
        return logged;
    }

    public static bool TryDecodeLogged(ReadOnlySpan<byte> message, out Guid epoch, out long sequence)
    {
        epoch = default;
        sequence = 0;
        if (message.Length < LoggedHeaderLength || message[0] != LoggedVersion)
        {
            return false;
        }

        epoch = new Guid(message.Slice(1, 16));
        sequence = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(message.Slice(17, 8));
        return sequence > 0;
    }
}
