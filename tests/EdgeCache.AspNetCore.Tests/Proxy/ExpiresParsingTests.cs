namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>RFC 9110 section 5.6.7 and RFC 9111 section 5.3 through the proxy: which Expires values give freshness.</summary>
public sealed class ExpiresParsingTests
{
    [Theory]
    [InlineData("r")]
    [InlineData("rfc850")]
    [InlineData("asctime")]
    public async Task Rfc9111_5_3_an_Expires_in_any_of_the_three_HTTP_date_forms_gives_freshness(string form)
    {
        await using var h = await ProxyHarness.StartAsync();
        var expires = h.Time.GetUtcNow().UtcDateTime.AddHours(1);
        var text = form switch
        {
            "rfc850" => expires.ToString("dddd, dd'-'MMM'-'yy HH':'mm':'ss 'GMT'", System.Globalization.CultureInfo.InvariantCulture),
            "asctime" => expires.ToString("ddd MMM ", System.Globalization.CultureInfo.InvariantCulture) + expires.Day.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(2) + expires.ToString(" HH':'mm':'ss yyyy", System.Globalization.CultureInfo.InvariantCulture),
            _ => expires.ToString("r", System.Globalization.CultureInfo.InvariantCulture),
        };
        h.Origin.Fixed("/e", "e", ("Expires", text));

        await h.GetAsync("/e");
        var second = await h.GetAsync("/e");

        Assert.Equal("HIT", second.CfStatus());
        Assert.Equal(1, h.Origin.Hits("/e"));
    }

    [Theory]
    [InlineData("{0:ddd,  dd MMM yyyy HH:mm:ss} GMT")]
    [InlineData("{0:ddd, dd MMM yyyy HH:mm:ss}  GMT")]
    [InlineData("{0:ddd, dd MMM yyyy HH:mm:ss} UTC")]
    [InlineData("{0:yyyy-MM-ddTHH:mm:ssZ}")]
    public async Task Rfc9111_5_3_an_Expires_in_no_HTTP_date_form_means_already_expired(string format)
    {
        await using var h = await ProxyHarness.StartAsync();
        var text = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, h.Time.GetUtcNow().UtcDateTime.AddHours(1));
        h.Origin.Fixed("/bad", "bad", ("Expires", text));

        await h.GetAsync("/bad");
        var second = await h.GetAsync("/bad");

        Assert.NotEqual("HIT", second.CfStatus());
        Assert.Equal(2, h.Origin.Hits("/bad"));
    }
}
