using System.Text;
using EdgeCache.Storage;

namespace EdgeCache.Redis;

/// <summary>
/// A compact binary form of <see cref="EntryMetadata"/> for the Redis tier: a version byte, then
/// length-prefixed UTF-8 strings and fixed-width numbers. Bodies are stored beside it, not in it.
/// </summary>
internal static class EntryMetadataSerializer
{
    private const byte Version = 1;

    public static byte[] Serialize(EntryMetadata metadata)
    {
        using var buffer = new MemoryStream(256 + (metadata.Headers.Count * 48));
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Version);
            writer.Write(metadata.Key);
            writer.Write(metadata.Url);
            writer.Write(metadata.Host);
            writer.Write(metadata.StatusCode);
            writer.Write7BitEncodedInt(metadata.Headers.Count);
            foreach (var header in metadata.Headers)
            {
                writer.Write(header.Key);
                writer.Write(header.Value);
            }

            WriteTime(writer, metadata.RequestTime);
            WriteTime(writer, metadata.ResponseTime);
            writer.Write(metadata.InitialAge.Ticks);
            writer.Write(metadata.FreshnessLifetime.Ticks);
            WriteTime(writer, metadata.ExpiresAt);
            writer.Write(metadata.BodyLength);
            writer.Write7BitEncodedInt(metadata.Tags.Count);
            foreach (var tag in metadata.Tags)
            {
                writer.Write(tag);
            }

            writer.Write(metadata.Invalidated);
        }

        return buffer.ToArray();
    }

    /// <summary>Reads metadata back; throws <see cref="InvalidDataException"/> for anything it did not write.</summary>
    public static EntryMetadata Deserialize(ReadOnlyMemory<byte> data)
    {
        try
        {
            using var stream = new MemoryStream(data.ToArray(), writable: false);
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            if (reader.ReadByte() != Version)
            {
                throw new InvalidDataException("Unknown metadata version.");
            }

            var key = reader.ReadString();
            var url = reader.ReadString();
            var host = reader.ReadString();
            var status = reader.ReadInt32();
            var headerCount = ReadCount(reader);
            var headers = new KeyValuePair<string, string>[headerCount];
            for (var i = 0; i < headerCount; i++)
            {
                var name = reader.ReadString();
                headers[i] = new KeyValuePair<string, string>(name, reader.ReadString());
            }

            var requestTime = ReadTime(reader);
            var responseTime = ReadTime(reader);
            var initialAge = new TimeSpan(reader.ReadInt64());
            var freshness = new TimeSpan(reader.ReadInt64());
            var expiresAt = ReadTime(reader);
            var bodyLength = reader.ReadInt64();
            var tagCount = ReadCount(reader);
            var tags = new string[tagCount];
            for (var i = 0; i < tagCount; i++)
            {
                tags[i] = reader.ReadString();
            }

            var invalidated = reader.ReadBoolean();
            return new EntryMetadata
            {
                Key = key,
                Url = url,
                Host = host,
                StatusCode = status,
                Headers = headers,
                RequestTime = requestTime,
                ResponseTime = responseTime,
                InitialAge = initialAge,
                FreshnessLifetime = freshness,
                ExpiresAt = expiresAt,
                BodyLength = bodyLength,
                Tags = tags,
                Invalidated = invalidated,
            };
        }
        catch (Exception exception) when (exception is EndOfStreamException or FormatException or ArgumentException or IOException)
        {
            throw new InvalidDataException("Corrupt metadata.", exception);
        }
    }

    private static int ReadCount(BinaryReader reader)
    {
        var count = reader.Read7BitEncodedInt();
        // Each item takes at least one byte, so a count beyond what is left is corrupt (and must not allocate).
        if (count < 0 || count > reader.BaseStream.Length - reader.BaseStream.Position)
        {
            throw new InvalidDataException("Corrupt metadata count.");
        }

        return count;
    }

    private static void WriteTime(BinaryWriter writer, DateTimeOffset value)
    {
        writer.Write(value.UtcTicks);
        writer.Write((short)value.Offset.TotalMinutes);
    }

    private static DateTimeOffset ReadTime(BinaryReader reader)
    {
        var utcTicks = reader.ReadInt64();
        var offset = TimeSpan.FromMinutes(reader.ReadInt16());
        return new DateTimeOffset(utcTicks + offset.Ticks, offset);
    }
}
