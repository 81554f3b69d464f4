using EdgeCache.Storage;
using FsCheck;
using FsCheck.Xunit;

namespace EdgeCache.Redis.Tests;

public sealed class EntryMetadataSerializerTests
{
    [Property(MaxTest = 200)]
    public void Metadata_round_trips_through_the_binary_form(
        NonNull<string> key, NonNull<string> url, int status, NonNull<string>[] headerValues, NonNull<string>[] tags,
        long requestTicks, int lifetimeSeconds, bool invalidated, short offsetMinutes)
    {
        var offset = TimeSpan.FromMinutes(offsetMinutes % (14 * 60));
        var requestTime = new DateTimeOffset(DateTime.UnixEpoch.Ticks + Math.Abs(requestTicks % (100L * 365 * TimeSpan.TicksPerDay)), TimeSpan.Zero).ToOffset(offset);
        var metadata = new EntryMetadata
        {
            Key = key.Get,
            Url = url.Get,
            Host = "example.com",
            StatusCode = (int)((uint)status % 1000), // the shared format stores the status unsigned, as HTTP has it
            Headers = headerValues.Select((v, i) => new KeyValuePair<string, string>("X-H" + i, v.Get)).ToArray(),
            RequestTime = requestTime,
            ResponseTime = requestTime.AddSeconds(1),
            InitialAge = TimeSpan.FromSeconds(3),
            FreshnessLifetime = TimeSpan.FromSeconds(lifetimeSeconds),
            ExpiresAt = requestTime.AddDays(1),
            BodyLength = Math.Abs((long)lifetimeSeconds),
            Tags = tags.Select(t => t.Get).ToArray(),
            Invalidated = invalidated,
        };

        var read = EntryMetadataSerializer.Deserialize(EntryMetadataSerializer.Serialize(metadata));

        Assert.Equal(metadata.Headers, read.Headers);
        Assert.Equal(metadata.Tags, read.Tags);
        Assert.Equal(metadata.RequestTime.Offset, read.RequestTime.Offset);
        Assert.Equal(metadata with { Headers = read.Headers, Tags = read.Tags }, read);
    }

    [Fact]
    public void Truncated_or_foreign_bytes_are_rejected_as_invalid_data()
    {
        var bytes = EntryMetadataSerializer.Serialize(Entries.Metadata("https://example.com/a", null, "t"));
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<InvalidDataException>(() => EntryMetadataSerializer.Deserialize(bytes.AsSpan(0, length)));
        }

        Assert.Throws<InvalidDataException>(() => EntryMetadataSerializer.Deserialize(new byte[] { 9, 1, 2 }));
        Assert.Throws<InvalidDataException>(() => EntryMetadataSerializer.Deserialize(new byte[] { 1, 0xff, 0xff, 0xff, 0xff, 0x0f }));
    }
}
