using EdgeCache.Semantics.Rfc9111;
using FsCheck.Xunit;

namespace EdgeCache.Tests.Rfc9111;

public sealed class VaryKeyTests
{
    private static string Key(string names, params (string Name, string Value)[] fields)
    {
        var map = fields.ToDictionary(f => f.Name, f => f.Value, StringComparer.OrdinalIgnoreCase);
        return VaryKey.Build("http://o/x", "g1", VaryKey.CanonicalNames(names), map, static (m, n) => m.TryGetValue(n, out var v) ? v : null);
    }

    [Fact]
    public void Rfc9111_4_1_Field_names_are_case_insensitive_and_deduplicated()
        => Assert.Equal("accept-language, accept-encoding", VaryKey.CanonicalNames("Accept-Language,  ACCEPT-ENCODING, accept-language"));

    [Fact]
    public void Rfc9111_4_1_Same_values_select_the_same_variant()
        => Assert.Equal(Key("Accept-Language", ("Accept-Language", "en")), Key("accept-language", ("accept-language", "en")));

    [Fact]
    public void Rfc9111_4_1_Different_values_select_different_variants()
        => Assert.NotEqual(Key("Accept-Language", ("Accept-Language", "en")), Key("Accept-Language", ("Accept-Language", "fr")));

    [Fact]
    public void Rfc9111_4_1_Whitespace_around_list_members_is_normalised()
        => Assert.Equal(Key("X-List", ("X-List", "a,b")), Key("X-List", ("X-List", "  a ,   b ")));

    [Fact]
    public void Rfc9111_4_1_Case_is_folded_only_for_case_insensitive_fields()
    {
        Assert.Equal(Key("Accept-Encoding", ("Accept-Encoding", "GZIP")), Key("Accept-Encoding", ("Accept-Encoding", "gzip")));
        Assert.NotEqual(Key("X-Token", ("X-Token", "ABC")), Key("X-Token", ("X-Token", "abc")));
    }

    [Fact]
    public void Rfc9111_4_1_Absent_field_differs_from_an_empty_one()
        => Assert.NotEqual(Key("X-A"), Key("X-A", ("X-A", "")));

    [Fact]
    public void Rfc9111_4_1_Field_order_in_a_list_is_significant()
        => Assert.NotEqual(Key("Accept-Encoding", ("Accept-Encoding", "gzip, br")), Key("Accept-Encoding", ("Accept-Encoding", "br, gzip")));

    [Fact]
    public void Rfc9111_4_1_Generation_separates_variants_across_invalidations()
    {
        var map = new Dictionary<string, string>();
        Assert.NotEqual(
            VaryKey.Build("k", "g1", "accept", map, static (m, n) => null),
            VaryKey.Build("k", "g2", "accept", map, static (m, n) => null));
    }

    [Theory]
    [InlineData("*", true)]
    [InlineData("Accept, *", true)]
    [InlineData("Accept", false)]
    [InlineData("X-Star*", false)]
    public void Rfc9111_4_1_Vary_star_is_recognised(string vary, bool star)
        => Assert.Equal(star, VaryKey.HasStar(vary));

    [Property]
    public bool Rfc9111_4_1_Values_with_different_content_never_share_a_variant(string a, string b)
    {
        a ??= string.Empty;
        b ??= string.Empty;
        var same = VaryKey.Normalize("X-V", a) == VaryKey.Normalize("X-V", b);
        return same == (Key("X-V", ("X-V", a)) == Key("X-V", ("X-V", b)));
    }
}
