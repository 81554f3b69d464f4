using EdgeCache.Semantics.Rfc9111;
using FsCheck.Xunit;
using static EdgeCache.Tests.Rfc9111.Rfc9111TestHeaders;

namespace EdgeCache.Tests.Rfc9111;

public sealed class AgeCalculationTests
{
    [Fact]
    public void Rfc9111_4_2_3_Age_uses_corrected_initial_age_from_the_Age_header_and_response_delay()
    {
        var requestTime = Now;
        var responseTime = Now.AddSeconds(2);

        var age = AgeCalculation.CorrectedInitialAge(ageValue: 30, dateValue: responseTime, requestTime, responseTime);

        Assert.Equal(TimeSpan.FromSeconds(32), age);
    }

    [Fact]
    public void Rfc9111_4_2_3_Age_uses_apparent_age_when_the_Date_is_older()
    {
        var age = AgeCalculation.CorrectedInitialAge(ageValue: 5, dateValue: Now.AddSeconds(-100), requestTime: Now, responseTime: Now);

        Assert.Equal(TimeSpan.FromSeconds(100), age);
    }

    [Fact]
    public void Rfc9111_4_2_3_Apparent_age_is_never_negative_for_a_Date_in_the_future()
        => Assert.Equal(TimeSpan.Zero, AgeCalculation.CorrectedInitialAge(null, Now.AddHours(1), Now, Now));

    [Fact]
    public void Rfc9111_4_2_3_Current_age_adds_resident_time()
        => Assert.Equal(TimeSpan.FromSeconds(40), AgeCalculation.CurrentAge(TimeSpan.FromSeconds(30), Now, Now.AddSeconds(10)));

    [Theory]
    [InlineData("abc", null)]
    [InlineData("-5", null)]
    [InlineData("12", 12L)]
    [InlineData("12, 40", 12L)]
    [InlineData("99999999999", 2147483648L)]
    public void Rfc9111_5_1_Age_header_is_read_as_delta_seconds_and_invalid_values_are_ignored(string value, long? expected)
        => Assert.Equal(expected, Facts(200, ("Age", value)).Age);

    [Fact]
    public void Rfc9111_1_2_2_The_Age_sent_is_capped_at_2_pow_31()
        => Assert.Equal(2147483648L, AgeCalculation.ToHeaderSeconds(TimeSpan.FromDays(365 * 100)));

    [Property]
    public bool Rfc9111_4_2_3_Corrected_initial_age_is_at_least_the_Age_header_and_the_apparent_age(ushort ageValue, ushort delay, short dateSkew)
    {
        var requestTime = Now;
        var responseTime = Now.AddSeconds(delay);
        var date = responseTime.AddSeconds(dateSkew);
        var age = AgeCalculation.CorrectedInitialAge(ageValue, date, requestTime, responseTime);
        return age >= TimeSpan.FromSeconds(ageValue) && age >= responseTime - date && age >= TimeSpan.Zero;
    }
}
