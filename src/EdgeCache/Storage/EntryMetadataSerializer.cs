using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace EdgeCache.Storage;

/// <summary>
/// A compact binary form of <see cref="EntryMetadata"/> for stores that keep metadata outside the
/// process (disk, Redis). Strings are UTF-8 with a 7-bit encoded length; times are UTC ticks.
/// </summary>
/// <remarks>
/// The first byte is a format version; a reader refuses versions it does not know rather than
/// guessing, so a store treats such an entry as absent.
/// </remarks>
public static class EntryMetadataSerializer
{
    private const byte FormatVersion = 1;
    private const byte InvalidatedFlag = 1;

    /// <summary>Serializes metadata to a new array.</summary>
    public static byte[] Serialize(EntryMetadata metadata)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Serialize(metadata, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Serializes metadata into a buffer writer.</summary>
    public static void Serialize(EntryMetadata metadata, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(output);
        var writer = new Writer(output);
        writer.Byte(FormatVersion);
        writer.Byte(metadata.Invalidated ? InvalidatedFlag : (byte)0);
        writer.String(metadata.Key);
        writer.String(metadata.Url);
        writer.String(metadata.Host);
        writer.VarInt((ulong)(uint)metadata.StatusCode);
        writer.Int64(metadata.RequestTime.UtcTicks);
        writer.Int64(metadata.ResponseTime.UtcTicks);
        writer.Int64(metadata.InitialAge.Ticks);
        writer.Int64(metadata.FreshnessLifetime.Ticks);
        writer.Int64(metadata.ExpiresAt.UtcTicks);
        writer.Int64(metadata.BodyLength);
        var headers = metadata.Headers;
        writer.VarInt((ulong)headers.Count);
        for (var i = 0; i < headers.Count; i++)
        {
            writer.String(headers[i].Key);
            writer.String(headers[i].Value);
        }

        var tags = metadata.Tags;
        writer.VarInt((ulong)tags.Count);
        for (var i = 0; i < tags.Count; i++)
        {
            writer.String(tags[i]);
        }
    }

    /// <summary>Reads metadata written by <see cref="Serialize(EntryMetadata)"/>.</summary>
    /// <exception cref="InvalidDataException">The data is truncated, corrupt or of an unknown version.</exception>
    public static EntryMetadata Deserialize(ReadOnlySpan<byte> data)
        => TryDeserialize(data, out var metadata) ? metadata : throw new InvalidDataException("The entry metadata is corrupt or of an unknown format version.");

    /// <summary>Reads metadata; <see langword="false"/> when the data is truncated, corrupt or of an unknown version.</summary>
    public static bool TryDeserialize(ReadOnlySpan<byte> data, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out EntryMetadata? metadata)
    {
        metadata = null;
        var reader = new Reader(data);
        if (!reader.Byte(out var version) || version != FormatVersion
            || !reader.Byte(out var flags)
            || !reader.String(out var key) || !reader.String(out var url) || !reader.String(out var host)
            || !reader.VarInt(out var status) || status > int.MaxValue
            || !reader.Int64(out var requestTime) || !reader.Int64(out var responseTime)
            || !reader.Int64(out var initialAge) || !reader.Int64(out var freshness)
            || !reader.Int64(out var expiresAt) || !reader.Int64(out var bodyLength)
            || !reader.VarInt(out var headerCount) || headerCount > (ulong)data.Length)
        {
            return false;
        }

        if (!ValidTicks(requestTime) || !ValidTicks(responseTime) || !ValidTicks(expiresAt)
            || initialAge < 0 || initialAge > MaxSpanTicks || freshness < -MaxSpanTicks || freshness > MaxSpanTicks)
        {
            return false;
        }

        var headers = new KeyValuePair<string, string>[(int)headerCount];
        for (var i = 0; i < headers.Length; i++)
        {
            if (!reader.String(out var name) || !reader.String(out var value))
            {
                return false;
            }

            headers[i] = new(name, value);
        }

        if (!reader.VarInt(out var tagCount) || tagCount > (ulong)data.Length)
        {
            return false;
        }

        var tags = tagCount == 0 ? [] : new string[(int)tagCount];
        for (var i = 0; i < tags.Length; i++)
        {
            if (!reader.String(out var tag))
            {
                return false;
            }

            tags[i] = tag;
        }

        if (!reader.AtEnd)
        {
            return false;
        }

        metadata = new EntryMetadata
        {
            Key = key,
            Url = url,
            Host = host,
            StatusCode = (int)status,
            Headers = headers,
            RequestTime = new DateTimeOffset(requestTime, TimeSpan.Zero),
            ResponseTime = new DateTimeOffset(responseTime, TimeSpan.Zero),
            InitialAge = new TimeSpan(initialAge),
            FreshnessLifetime = new TimeSpan(freshness),
            ExpiresAt = new DateTimeOffset(expiresAt, TimeSpan.Zero),
            BodyLength = bodyLength,
            Tags = tags,
            Invalidated = (flags & InvalidatedFlag) != 0,
        };
        return true;
    }

    // Ages and lifetimes beyond a thousand years are corruption (delta-seconds stop at 68 years); refusing them keeps
    // the age arithmetic of every reader (age = initial age + resident time, lifetime - age) clear of overflow.
    private const long MaxSpanTicks = 1000L * 366 * TimeSpan.TicksPerDay;

    private static bool ValidTicks(long ticks) => ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks;

    private ref struct Writer(IBufferWriter<byte> output)
    {
        public readonly void Byte(byte value)
        {
            output.GetSpan(1)[0] = value;
            output.Advance(1);
        }

        public readonly void Int64(long value)
        {
            BinaryPrimitives.WriteInt64LittleEndian(output.GetSpan(8), value);
            output.Advance(8);
        }

        public readonly void VarInt(ulong value)
        {
            var span = output.GetSpan(10);
            var n = 0;
            while (value >= 0x80)
            {
                span[n++] = (byte)(value | 0x80);
                value >>= 7;
            }

            span[n++] = (byte)value;
            output.Advance(n);
        }

        public readonly void String(string value)
        {
            var length = Encoding.UTF8.GetByteCount(value);
            VarInt((ulong)length);
            var written = Encoding.UTF8.GetBytes(value, output.GetSpan(length));
            output.Advance(written);
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public readonly bool AtEnd => _position == _data.Length;

        public bool Byte(out byte value)
        {
            value = 0;
            if (_position >= _data.Length)
            {
                return false;
            }

            value = _data[_position++];
            return true;
        }

        public bool Int64(out long value)
        {
            value = 0;
            if (_data.Length - _position < 8)
            {
                return false;
            }

            value = BinaryPrimitives.ReadInt64LittleEndian(_data[_position..]);
            _position += 8;
            return true;
        }

        public bool VarInt(out ulong value)
        {
            value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (!Byte(out var b))
                {
                    return false;
                }

                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return true;
                }
            }

            return false;
        }

        public bool String(out string value)
        {
            value = "";
            if (!VarInt(out var length) || length > (ulong)(_data.Length - _position))
            {
                return false;
            }

            try
            {
                value = Encoding.UTF8.GetString(_data.Slice(_position, (int)length));
            }
            catch (ArgumentException)
            {
                return false;
            }

            _position += (int)length;
            return true;
        }
    }
}
