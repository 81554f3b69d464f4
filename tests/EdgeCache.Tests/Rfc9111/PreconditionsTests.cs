using EdgeCache.Semantics.Rfc9111;
using static EdgeCache.Tests.Rfc9111.Rfc9111TestHeaders;

namespace EdgeCache.Tests.Rfc9111;

public sealed class PreconditionsTests
{
    private static readonly DateTimeOffset LastModified = Now.AddDays(-1);

    private static PreconditionOutcome Evaluate(string? ifMatch = null, string? ifNoneMatch = null, string? ims = null, string? ius = null, string method = "GET", int status = 200, string? etag = "\"a\"")
        => Preconditions.Evaluate(method, status, ifMatch, ifNoneMatch, ims, ius, etag, LastModified, Now);

    [Theory]
    [InlineData("\"a\"", "NotModified")]
    [InlineData("W/\"a\"", "NotModified")]
    [InlineData("\"b\", \"a\"", "NotModified")]
    [InlineData("*", "NotModified")]
    [InlineData("\"b\"", "Proceed")]
    public void Rfc9110_13_1_2_If_None_Match_uses_weak_comparison(string ifNoneMatch, string expected)
        => AssertIs(expected, Evaluate(ifNoneMatch: ifNoneMatch));

    [Fact]
    public void Rfc9110_13_1_2_If_None_Match_on_an_unsafe_method_fails_with_412()
        => Assert.Equal(PreconditionOutcome.PreconditionFailed, Evaluate(ifNoneMatch: "\"a\"", method: "PUT"));

    [Theory]
    [InlineData("\"a\"", "Proceed")]
    [InlineData("*", "Proceed")]
    [InlineData("W/\"a\"", "PreconditionFailed")]
    [InlineData("\"b\"", "PreconditionFailed")]
    public void Rfc9110_13_1_1_If_Match_uses_strong_comparison(string ifMatch, string expected)
        => AssertIs(expected, Evaluate(ifMatch: ifMatch));

    [Fact]
    public void Rfc9110_13_1_1_If_Match_fails_against_a_weak_stored_tag()
        => Assert.Equal(PreconditionOutcome.PreconditionFailed, Evaluate(ifMatch: "\"a\"", etag: "W/\"a\""));

    [Fact]
    public void Rfc9110_13_1_3_If_Modified_Since_at_or_after_Last_Modified_is_not_modified()
    {
        Assert.Equal(PreconditionOutcome.NotModified, Evaluate(ims: LastModified.ToString("r")));
        Assert.Equal(PreconditionOutcome.Proceed, Evaluate(ims: LastModified.AddSeconds(-1).ToString("r")));
    }

    [Fact]
    public void Rfc9110_13_1_3_If_Modified_Since_is_ignored_when_If_None_Match_is_present()
        => Assert.Equal(PreconditionOutcome.Proceed, Evaluate(ifNoneMatch: "\"b\"", ims: Now.ToString("r")));

    [Fact]
    public void Rfc9110_13_1_3_Invalid_If_Modified_Since_is_ignored()
        => Assert.Equal(PreconditionOutcome.Proceed, Evaluate(ims: "not a date"));

    [Fact]
    public void Rfc9111_4_3_2_If_Modified_Since_falls_back_to_Date_without_Last_Modified()
        => Assert.Equal(PreconditionOutcome.NotModified, Preconditions.Evaluate("GET", 200, null, null, Now.ToString("r"), null, null, null, Now));

    [Fact]
    public void Rfc9110_13_1_4_If_Unmodified_Since_before_Last_Modified_fails()
    {
        Assert.Equal(PreconditionOutcome.PreconditionFailed, Evaluate(ius: LastModified.AddSeconds(-1).ToString("r")));
        Assert.Equal(PreconditionOutcome.Proceed, Evaluate(ius: LastModified.ToString("r")));
    }

    [Fact]
    public void Rfc9110_13_2_1_Preconditions_do_not_apply_to_non_2xx_responses()
        => Assert.Equal(PreconditionOutcome.Proceed, Evaluate(ifMatch: "\"zzz\"", status: 404));

    [Fact]
    public void Rfc9110_13_1_5_If_Range_with_a_strong_matching_tag_holds()
    {
        Assert.True(Preconditions.IfRangeHolds("\"a\"", "\"a\"", LastModified, Now));
        Assert.False(Preconditions.IfRangeHolds("W/\"a\"", "W/\"a\"", LastModified, Now));
        Assert.False(Preconditions.IfRangeHolds("\"b\"", "\"a\"", LastModified, Now));
    }

    [Fact]
    public void Rfc9110_13_1_5_If_Range_date_must_equal_a_strong_Last_Modified()
    {
        Assert.True(Preconditions.IfRangeHolds(LastModified.ToString("r"), null, LastModified, Now));
        Assert.False(Preconditions.IfRangeHolds(LastModified.AddSeconds(1).ToString("r"), null, LastModified, Now));
        Assert.False(Preconditions.IfRangeHolds(Now.ToString("r"), null, Now, Now));
    }

    private static void AssertIs<T>(string expected, T actual)
        where T : struct, Enum
        => Assert.Equal(expected, actual.ToString());
}
