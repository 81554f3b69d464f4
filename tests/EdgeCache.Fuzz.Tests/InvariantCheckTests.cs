namespace EdgeCache.Fuzz.Tests;

/// <summary>The targets' checks can fail: inputs that break a promise are reported, so a green corpus replay means something.</summary>
public sealed class InvariantCheckTests
{
    [Fact]
    public void Check_OnABrokenInvariant_ThrowsTheViolation()
        => Assert.Throws<InvariantViolationException>(() => FuzzInput.Check(false, "broken"));

    [Fact]
    public void NumberAndText_ReadsTheLengthFromTheFirstEightBytes()
    {
        var (number, text) = FuzzInput.NumberAndText("\u0010\0\0\0\0\0\0\0bytes=0-1"u8, 1L << 40);
        Assert.Equal(16, number);
        Assert.Equal("bytes=0-1", text);
    }

    [Fact]
    public void Pair_SplitsAtTheFirstLineFeed()
        => Assert.Equal(("a", "b\nc"), FuzzInput.Pair("a\nb\nc"u8));
}
