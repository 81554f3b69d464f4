using EdgeCache.AspNetCore.Proxy;

namespace EdgeCache.AspNetCore.Tests.Proxy;

public sealed class GrowingBufferTests
{
    [Theory]
    [InlineData(1024, 1024)]
    [InlineData(1, 1)]
    [InlineData(GrowingBuffer.MaxSegmentSize, GrowingBuffer.MaxSegmentSize)]
    [InlineData(10L * 1024 * 1024, GrowingBuffer.MaxSegmentSize)]
    [InlineData(0, GrowingBuffer.MaxSegmentSize)]
    [InlineData(-1, GrowingBuffer.MaxSegmentSize)]
    public void A_small_declared_body_gets_a_segment_of_its_own_size(long declared, int expected)
        => Assert.Equal(expected, new GrowingBuffer(declared).SegmentSize);

    [Theory]
    [InlineData(1024, 1024)]
    [InlineData(-1, 200_000)]
    [InlineData(150_000, 150_000)]
    [InlineData(3000, 3000)]
    public async Task Readers_get_every_byte_whatever_the_segment_size(long declared, int length)
    {
        var body = new byte[length];
        Random.Shared.NextBytes(body);
        var buffer = new GrowingBuffer(declared);
        var early = new MemoryStream();
        var copying = buffer.CopyToAsync(early, 0, -1, CancellationToken.None);
        for (var offset = 0; offset < length; offset += 700)
        {
            buffer.Append(body.AsSpan(offset, Math.Min(700, length - offset)));
        }

        buffer.Complete();
        await copying.WaitAsync(TimeSpan.FromSeconds(10));
        var late = new MemoryStream();
        await buffer.CopyToAsync(late, 0, -1, CancellationToken.None);
        var range = new MemoryStream();
        await buffer.CopyToAsync(range, length / 3, length / 2, CancellationToken.None);

        Assert.Equal(body, early.ToArray());
        Assert.Equal(body, late.ToArray());
        Assert.Equal(body.AsSpan(length / 3, length / 2).ToArray(), range.ToArray());
    }

    [Fact]
    public void A_declared_body_is_whole_once_every_declared_byte_is_in_and_an_undeclared_one_once_complete()
    {
        var declared = new GrowingBuffer(4);
        declared.Append("abc"u8);
        var partWay = declared.IsWhole;
        declared.Append("d"u8);

        var undeclared = new GrowingBuffer();
        undeclared.Append("abcd"u8);
        var beforeComplete = undeclared.IsWhole;
        undeclared.Complete();

        var broken = new GrowingBuffer(4);
        broken.Append("abcd"u8);
        broken.Fail(new IOException("reset"));

        Assert.False(partWay);
        Assert.True(declared.IsWhole);
        Assert.False(beforeComplete);
        Assert.True(undeclared.IsWhole);
        Assert.False(broken.IsWhole);
    }
}
