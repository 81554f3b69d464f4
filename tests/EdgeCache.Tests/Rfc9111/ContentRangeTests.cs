using EdgeCache.Semantics;

namespace EdgeCache.Tests.Rfc9111;

public sealed class ContentRangeTests
{
    [Theory]
    [InlineData("bytes 0-499/1000", 0, 499, 1000)]
    [InlineData(" bytes 500-999/1000 ", 500, 999, 1000)]
    [InlineData("BYTES 0-0/1", 0, 0, 1)]
    public void Rfc9110_14_4_A_satisfied_range_with_a_complete_length_is_read(string value, long first, long last, long complete)
    {
        Assert.True(ContentRange.TryParse(value, out var range));
        Assert.Equal(new ContentRange(first, last, complete), range);
        Assert.Equal(last - first + 1, range.Length);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("bytes 0-499/*")]
    [InlineData("bytes */1000")]
    [InlineData("bytes 500-499/1000")]
    [InlineData("bytes 0-1000/1000")]
    [InlineData("items 0-1/2")]
    [InlineData("bytes -1-5/10")]
    [InlineData("bytes 0-4/10, 6-8/10")]
    public void Rfc9111_3_3_Anything_else_is_not_a_storable_part(string? value)
        => Assert.False(ContentRange.TryParse(value, out _));
}
