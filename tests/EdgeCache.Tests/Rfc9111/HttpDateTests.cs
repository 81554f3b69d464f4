using EdgeCache.Semantics;

namespace EdgeCache.Tests.Rfc9111;

/// <summary>RFC 9110 section 5.6.7: the three HTTP-date forms a recipient accepts, and nothing else.</summary>
public sealed class HttpDateTests
{
    private static readonly DateTimeOffset Expected = new(1994, 11, 6, 8, 49, 37, TimeSpan.Zero);

    [Theory]
    [InlineData("Sun, 06 Nov 1994 08:49:37 GMT")]
    [InlineData("Sunday, 06-Nov-94 08:49:37 GMT")]
    [InlineData("Sun Nov  6 08:49:37 1994")]
    [InlineData(" Sun, 06 Nov 1994 08:49:37 GMT\t")]
    public void Rfc9110_5_6_7_IMF_fixdate_RFC_850_and_asctime_are_accepted(string text)
    {
        Assert.True(HttpDate.TryParse(text, out var value, now: new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal(Expected, value);
    }

    [Theory]
    [InlineData("Sun,  06 Nov 1994 08:49:37 GMT")]
    [InlineData("Sun, 06  Nov 1994 08:49:37 GMT")]
    [InlineData("Sun, 06 Nov 1994  08:49:37 GMT")]
    [InlineData("Sun, 06 Nov 1994 08:49:37  GMT")]
    [InlineData("Sun, 6 Nov 1994 08:49:37 GMT")]
    [InlineData("sun, 06 nov 1994 08:49:37 gmt")]
    [InlineData("Sun, 06 Nov 1994 08:49:37 UTC")]
    [InlineData("Sun, 06 Nov 1994 08:49:37 +0000")]
    [InlineData("Sun, 06 Nov 94 08:49:37 GMT")]
    [InlineData("Sun, 31 Nov 1994 08:49:37 GMT")]
    [InlineData("Sun, 06 Nov 1994 24:00:00 GMT")]
    [InlineData("Sunday, 06-Nov-1994 08:49:37 GMT")]
    [InlineData("Sun, 06-Nov-94 08:49:37 GMT")]
    [InlineData("Sunday,  06-Nov-94 08:49:37 GMT")]
    [InlineData("Sun Nov 6 08:49:37 1994")]
    [InlineData("Sun Nov  6 08:49:37 1994 GMT")]
    [InlineData("1994-11-06T08:49:37Z")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("")]
    public void Rfc9110_5_6_7_anything_else_is_invalid(string text) => Assert.False(HttpDate.TryParse(text, out _));

    [Theory]
    [InlineData("Sunday, 06-Nov-94 08:49:37 GMT", 1994)]
    [InlineData("Thursday, 06-Nov-36 08:49:37 GMT", 2036)]
    [InlineData("Tuesday, 06-Nov-76 08:49:37 GMT", 2076)]
    [InlineData("Monday, 06-Nov-77 08:49:37 GMT", 1977)]
    public void Rfc9110_5_6_7_a_two_digit_year_more_than_50_years_ahead_is_the_last_century(string text, int year)
    {
        Assert.True(HttpDate.TryParse(text, out var value, now: new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal(year, value.Year);
    }
}
