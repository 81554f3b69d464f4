using EdgeCache.Semantics.Rfc9111;
using static EdgeCache.Tests.Rfc9111.Rfc9111TestHeaders;

namespace EdgeCache.Tests.Rfc9111;

public sealed class TargetedFieldTests
{
    [Theory]
    [InlineData("max-age=60", "max-age=60")]
    [InlineData("max-age=60, stale-while-revalidate=10", "max-age=60, stale-while-revalidate=10")]
    [InlineData("no-store", "no-store")]
    [InlineData("max-age=60;foo=bar, must-revalidate", "max-age=60, must-revalidate")]
    [InlineData("max-age=\"60\", no-cache", "no-cache")]
    [InlineData("private=?0, max-age=5", "max-age=5")]
    public void Rfc9213_2_1_Valid_dictionaries_are_read_and_mistyped_directives_dropped(string field, string expected)
        => Assert.Equal(expected, TargetedField.ToCacheControl(field));

    [Theory]
    [InlineData("MAX-AGE=60")]
    [InlineData("max-age =60")]
    [InlineData("max-age=60,")]
    [InlineData("max-age=60 no-store")]
    [InlineData("max-age=\"60")]
    [InlineData("")]
    public void Rfc9213_2_1_A_field_that_is_not_a_structured_dictionary_is_ignored(string field)
        => Assert.Null(TargetedField.ToCacheControl(field));

    [Fact]
    public void Rfc9213_2_1_An_invalid_CDN_Cache_Control_falls_back_to_Cache_Control()
    {
        var facts = Facts(200, ("Cache-Control", "max-age=5"), ("CDN-Cache-Control", "MAX-AGE=600"));

        Assert.False(facts.Targeted);
        Assert.Equal(5, facts.Directives.MaxAge);
    }
}
