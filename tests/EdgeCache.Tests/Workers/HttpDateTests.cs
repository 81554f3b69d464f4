using EdgeCache.Semantics;

namespace EdgeCache.Tests.Workers;

/// <summary>The strict IMF-fixdate reader behind If-Modified-Since (spec item 60) and the lenient one behind Expires.</summary>
public sealed class HttpDateTests
{
    [Theory]
    [InlineData("Wed, 21 Oct 2015 07:28:00 GMT", 2015, 10, 21, 7, 28, 0)]
    [InlineData("Thu, 21 Oct 2015 07:28:00 GMT", 2015, 10, 21, 7, 28, 0)] // the day name is not checked, as in Cloudflare
    [InlineData("Sun, 29 Feb 2004 23:59:59 GMT", 2004, 2, 29, 23, 59, 59)]
    [InlineData("Mon, 01 Jan 0001 00:00:00 GMT", 1, 1, 1, 0, 0, 0)]
    public void Item60_StrictDates_AreRead(string text, int year, int month, int day, int hour, int minute, int second)
    {
        Assert.True(HttpDate.TryParseStrict(text, out var value));
        Assert.Equal(new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero), value);
        Assert.True(HttpDate.TryParse(text, out var lenient));
        Assert.Equal(value, lenient);
    }

    [Theory]
    [InlineData("Wed, 30 Feb 2015 07:28:00 GMT")]
    [InlineData("Wed, 21 Oct 2015 24:00:00 GMT")]
    [InlineData("Wed, 21 Oct 2015 07:60:00 GMT")]
    [InlineData("Wed, 21 Oct 0000 07:28:00 GMT")]
    [InlineData("Wed, 21 oct 2015 07:28:00 GMT")]
    [InlineData("wed, 21 Oct 2015 07:28:00 GMT")]
    [InlineData("Wed, 21 Oct 2015 07:28:00 UTC")]
    [InlineData("Wed,  21 Oct 2015 07:28:00 GMT")]
    [InlineData("Wed, 21 Oct 2015 07:28:00 GMT ")]
    [InlineData("Wednesday, 21-Oct-15 07:28:00 GMT")]
    [InlineData("Wed Oct 21 07:28:00 2015")]
    [InlineData("Wed, 2a Oct 2015 07:28:00 GMT")]
    public void Item60_AnythingButAnExistingIMFFixdate_IsNotStrict(string text)
        => Assert.False(HttpDate.TryParseStrict(text, out _));

    [Theory]
    [InlineData("Wednesday, 21-Oct-15 07:28:00 GMT")]
    [InlineData("Wed Oct 21 07:28:00 2015")]
    [InlineData(" Wed, 21 Oct 2015 07:28:00 GMT ")]
    public void ObsoleteFormsAndSurroundingSpace_AreReadForExpires(string text)
    {
        Assert.True(HttpDate.TryParse(text, out var value));
        Assert.Equal(new DateTimeOffset(2015, 10, 21, 7, 28, 0, TimeSpan.Zero), value);
    }
}
