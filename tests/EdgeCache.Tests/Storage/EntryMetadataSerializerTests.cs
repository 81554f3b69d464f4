using EdgeCache.Storage;
using FsCheck.Xunit;

namespace EdgeCache.Tests.Storage;

public sealed class EntryMetadataSerializerTests
{
    private static readonly EntryMetadata Full = new()
    {
        Key = "custom:https://exämple.com/ü?q=1",
        Url = "https://xn--exmple-cua.com/%C3%BC?q=1",
        Host = "xn--exmple-cua.com",
        StatusCode = 404,
        Headers = [new("Content-Type", "text/html; charset=utf-8"), new("Set-Cookie", "a=1"), new("Set-Cookie", "b=2"), new("X-Empty", "")],
        RequestTime = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero),
        ResponseTime = new DateTimeOffset(2026, 11, 27, 12, 0, 1, 500, TimeSpan.Zero),
        InitialAge = TimeSpan.FromSeconds(7),
        FreshnessLifetime = TimeSpan.FromDays(365),
        ExpiresAt = new DateTimeOffset(2027, 11, 27, 12, 0, 1, TimeSpan.Zero),
        BodyLength = 5_000_000_000,
        Tags = ["product", "品目-1"],
        Invalidated = true,
    };

    [Fact]
    public void Every_field_survives_a_round_trip()
    {
        var copy = EntryMetadataSerializer.Deserialize(EntryMetadataSerializer.Serialize(Full));

        Assert.Equal(Full.Key, copy.Key);
        Assert.Equal(Full.Url, copy.Url);
        Assert.Equal(Full.Host, copy.Host);
        Assert.Equal(Full.StatusCode, copy.StatusCode);
        Assert.Equal(Full.Headers, copy.Headers);
        Assert.Equal(Full.RequestTime, copy.RequestTime);
        Assert.Equal(Full.ResponseTime, copy.ResponseTime);
        Assert.Equal(Full.InitialAge, copy.InitialAge);
        Assert.Equal(Full.FreshnessLifetime, copy.FreshnessLifetime);
        Assert.Equal(Full.ExpiresAt, copy.ExpiresAt);
        Assert.Equal(Full.BodyLength, copy.BodyLength);
        Assert.Equal(Full.Tags, copy.Tags);
        Assert.True(copy.Invalidated);
    }

    // Found by the entry-metadata fuzz target: a corrupt initial age made the hit path's age arithmetic overflow.
    [Theory]
    [InlineData(long.MaxValue, 0)]
    [InlineData(-1, 0)]
    [InlineData(0, long.MinValue)]
    [InlineData(0, long.MaxValue)]
    public void Corrupt_ages_and_lifetimes_read_as_unreadable_not_as_an_entry(long initialAgeTicks, long lifetimeTicks)
    {
        var bytes = EntryMetadataSerializer.Serialize(Full with { InitialAge = new TimeSpan(initialAgeTicks), FreshnessLifetime = new TimeSpan(lifetimeTicks) });

        Assert.False(EntryMetadataSerializer.TryDeserialize(bytes, out _));
        Assert.Throws<InvalidDataException>(() => EntryMetadataSerializer.Deserialize(bytes));
    }

    [Fact]
    public void Times_with_an_offset_come_back_as_the_same_instant_in_utc()
    {
        var local = Full with { ResponseTime = new DateTimeOffset(2026, 11, 27, 14, 0, 0, TimeSpan.FromHours(2)) };

        var copy = EntryMetadataSerializer.Deserialize(EntryMetadataSerializer.Serialize(local));

        Assert.Equal(local.ResponseTime, copy.ResponseTime);
        Assert.Equal(TimeSpan.Zero, copy.ResponseTime.Offset);
    }

    [Fact]
    public void Serialized_form_is_compact()
    {
        var small = Full with { Headers = [new("Content-Type", "text/plain")], Tags = [] };

        var bytes = EntryMetadataSerializer.Serialize(small);

        // Fixed part (version, flags, status, six 8-byte numbers, counts) plus the strings' UTF-8 bytes.
        var strings = System.Text.Encoding.UTF8.GetByteCount(small.Key + small.Url + small.Host + "Content-Type" + "text/plain");
        Assert.InRange(bytes.Length, strings + 50, strings + 70);
    }

    [Fact]
    public void Every_truncation_is_rejected()
    {
        var bytes = EntryMetadataSerializer.Serialize(Full);

        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.False(EntryMetadataSerializer.TryDeserialize(bytes.AsSpan(0, length), out _));
        }
    }

    [Fact]
    public void Unknown_format_version_and_trailing_bytes_are_rejected()
    {
        var bytes = EntryMetadataSerializer.Serialize(Full);
        var future = (byte[])bytes.Clone();
        future[0] = 2;

        Assert.False(EntryMetadataSerializer.TryDeserialize(future, out _));
        Assert.False(EntryMetadataSerializer.TryDeserialize([.. bytes, 0], out _));
        Assert.Throws<InvalidDataException>(() => EntryMetadataSerializer.Deserialize(future));
    }

    [Property(MaxTest = 200)]
    public bool Arbitrary_strings_and_numbers_round_trip(string key, string headerValue, int status, long bodyLength, bool invalidated)
    {
        key ??= "";
        headerValue ??= "";

        // Lone surrogates cannot be encoded as UTF-8; keys and headers never hold them.
        if (HasLoneSurrogate(key) || HasLoneSurrogate(headerValue))
        {
            return true;
        }

        var metadata = Full with
        {
            Key = key,
            StatusCode = Math.Abs(status % 1000),
            Headers = [new("X", headerValue)],
            BodyLength = bodyLength,
            Invalidated = invalidated,
            Tags = [key],
        };

        var copy = EntryMetadataSerializer.Deserialize(EntryMetadataSerializer.Serialize(metadata));

        return copy.Key == key && copy.Headers[0].Value == headerValue && copy.StatusCode == metadata.StatusCode
            && copy.BodyLength == bodyLength && copy.Invalidated == invalidated && copy.Tags.SequenceEqual([key]);
    }

    private static bool HasLoneSurrogate(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(s[i]))
            {
                return true;
            }
        }

        return false;
    }
}
