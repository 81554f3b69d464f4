using System.Buffers.Binary;
using EdgeCache.Storage;

namespace EdgeCache.Tests.Storage;

/// <summary>The counts behind the disk tier's negative lookups: "no" only when no row has the hash.</summary>
public sealed class KeyHashFilterTests
{
    private static readonly byte[] First = Hash(1);
    private static readonly byte[] SameBucket = Hash(1, high: 7);
    private static readonly byte[] Other = Hash(2);

    [Fact]
    public void Until_filled_it_says_maybe_to_everything()
    {
        var filter = new KeyHashFilter(1 << 16);

        Assert.True(filter.MayContain(Other));
        filter.Fill([]);
        Assert.False(filter.MayContain(Other));
    }

    [Fact]
    public void A_bucket_says_no_again_only_when_every_hash_in_it_was_removed()
    {
        var filter = new KeyHashFilter(1 << 16);
        filter.Fill([First]);
        filter.Add(SameBucket);

        filter.Remove(First);
        Assert.True(filter.MayContain(SameBucket));
        filter.Remove(SameBucket);
        Assert.False(filter.MayContain(First));
    }

    [Fact]
    public void Filling_counts_the_rows_afresh_so_a_hash_added_before_is_not_counted_twice()
    {
        var filter = new KeyHashFilter(1 << 16);
        filter.Add(First);
        filter.Fill([First]);

        filter.Remove(First);
        Assert.False(filter.MayContain(First));
    }

    [Fact]
    public void A_saturated_count_stays_maybe_for_good()
    {
        var filter = new KeyHashFilter(1 << 16);
        filter.Fill([]);
        for (var i = 0; i < 300; i++)
        {
            filter.Add(First);
        }

        for (var i = 0; i < 300; i++)
        {
            filter.Remove(First);
        }

        Assert.True(filter.MayContain(First));
    }

    [Fact]
    public void Two_buckets_that_share_a_byte_keep_their_own_counts_and_saturation()
    {
        var filter = new KeyHashFilter(1 << 16);
        filter.Fill([]);
        var even = Hash(4);
        var odd = Hash(5);
        for (var i = 0; i < 20; i++)
        {
            filter.Add(odd);
        }

        Assert.False(filter.MayContain(even));
        filter.Add(even);
        filter.Add(even);
        filter.Remove(even);
        Assert.True(filter.MayContain(even));
        filter.Remove(even);
        Assert.False(filter.MayContain(even));
        for (var i = 0; i < 20; i++)
        {
            filter.Remove(odd);
        }

        Assert.True(filter.MayContain(odd));
        Assert.Equal(1, filter.Occupied);
    }

    [Fact]
    public void Counts_take_half_a_byte_a_bucket()
        => Assert.Equal(1 << 21, new KeyHashFilter(KeyHashFilter.BucketsFor(10L * 1024 * 1024 * 1024)).SizeBytes);

    [Theory]
    [InlineData(0L, 1 << 16)]
    [InlineData(4L * 1024 * 1024 * 1024, 1 << 20)]
    [InlineData(10L * 1024 * 1024 * 1024, 1 << 22)]
    [InlineData(long.MaxValue, 1 << 24)]
    public void Buckets_are_one_per_4_KB_of_budget_within_64_Ki_and_16_Mi(long sizeLimit, int buckets)
        => Assert.Equal(buckets, KeyHashFilter.BucketsFor(sizeLimit));

    /// <summary>A 16-byte hash whose low 8 bytes (the bucket) are <paramref name="low"/>.</summary>
    private static byte[] Hash(ulong low, ulong high = 0)
    {
        var hash = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(hash.AsSpan(0, 8), low);
        BinaryPrimitives.WriteUInt64LittleEndian(hash.AsSpan(8, 8), high);
        return hash;
    }
}
