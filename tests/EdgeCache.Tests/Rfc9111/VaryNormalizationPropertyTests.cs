using EdgeCache.Semantics.Rfc9111;
using FsCheck;
using FsCheck.Fluent;

namespace EdgeCache.Tests.Rfc9111;

/// <summary>
/// RFC 9111 section 4.1 normalisation of request values for Vary: a normalised value is a fixed point, so two
/// requests that normalise alike always select the same variant (found by the vary fuzz target).
/// </summary>
public sealed class VaryNormalizationPropertyTests
{
    private static readonly string[] Pieces =
    [
        "a", "A", "e", "gzip", "br", "en-GB", "*", "-", ",", ", ", " ,", ";", ";q=0.5", ";q=1", ";Q=0", "=", "\"", " ", "  ", "\t",
        "\0", "\b", "\n", "\r", "\v", "\f", "\u0085", "\u00a0", "\u00e9", "\u00c6", "\u00ff", "\u0130", "\u212a", "7", "+", "/", "@",
    ];

    [Theory]
    [InlineData("accept-encoding")]
    [InlineData("accept-language")]
    [InlineData("accept")]
    [InlineData("x-custom")]
    public void Normalising_a_normalised_value_changes_nothing(string name)
    {
        var values = Gen.ArrayOf(Gen.Elements(Pieces)).Select(p => string.Concat(p)).ToArbitrary();
        Prop.ForAll(values, value =>
        {
            var once = VaryKey.Normalize(name, value);
            Assert.Equal(once, VaryKey.Normalize(name, once));
        }).QuickCheckThrowOnFailure();
    }

    [Theory]
    [InlineData("A , \0 A , e , - A , e \b , *\n\n A , \u00fa\0\0 , - A , e \b")]
    [InlineData("\0 \0 $ * \n \n A , A + \u00fb A , e , * \n \u0001\0")]
    [InlineData("A \u00fc d F \t \t , \t \t \t \t \t \t \t \t ")]
    [InlineData("\u00c6\0A,\u00c6\0A,O,*\n\n")]
    public void The_fuzzers_findings_normalise_to_a_fixed_point(string value)
    {
        foreach (var name in new[] { "accept-encoding", "accept-language" })
        {
            var once = VaryKey.Normalize(name, value);
            Assert.Equal(once, VaryKey.Normalize(name, once));
        }
    }
}
