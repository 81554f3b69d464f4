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

    // A value of control characters must neither read as an absent field nor run into the next field.
    [Theory]
    [InlineData("\u0001")]
    [InlineData(" \u0001 ")]
    [InlineData("\u0002")]
    [InlineData("\u00020001")]
    [InlineData("\u001f")]
    public void Rfc9111_4_1_A_value_of_control_characters_never_selects_the_absent_fields_variant(string value)
    {
        Assert.NotEqual(Key("X-A, X-B"), Key("X-A, X-B", ("X-A", value)));
        Assert.NotEqual(Key("X-A, X-B", ("X-B", "v")), Key("X-A, X-B", ("X-A", value), ("X-B", "v")));
        Assert.NotEqual(Key("X-A, X-B", ("X-A", "\u0001")), Key("X-A, X-B", ("X-A", "\u00020001")));
    }

    [Property]
    public bool Rfc9111_4_1_Two_pass_through_values_select_one_variant_only_when_they_are_equal(string? a, string? b)
    {
        static string PassThrough(string? value)
            => VaryKey.Build("http://o/x", "g1", "x-a, x-b", value, static (v, n) => n == "x-a" ? v : null,
                new Dictionary<string, VaryFieldMode>(StringComparer.OrdinalIgnoreCase) { ["x-a"] = VaryFieldMode.PassThrough });

        return (PassThrough(a) == PassThrough(b)) == (a == b);
    }

    [Fact]
    public void Rfc9111_4_1_Field_order_in_a_list_is_significant_for_fields_that_are_not_weighted_lists()
        => Assert.NotEqual(Key("X-List", ("X-List", "gzip, br")), Key("X-List", ("X-List", "br, gzip")));

    [Theory]
    [InlineData("Accept-Encoding", "gzip, br", "br, gzip")]
    [InlineData("Accept-Encoding", "gzip, br", "BR ,GZIP")]
    [InlineData("Accept-Encoding", "gzip;q=1.0, br", "br, gzip")]
    [InlineData("Accept-Encoding", "gzip;q=0.8, br", "br;q=1, gzip; Q=0.80")]
    [InlineData("Accept-Encoding", "br, gzip, br", "gzip, br")]
    [InlineData("Accept-Encoding", "gzip,, br", "br,gzip")]
    [InlineData("Accept-Language", "en-GB, fr;q=0.5, de;q=0.5", "de;q=0.5, EN-gb, fr;q=0.500")]
    [InlineData("Accept-Language", "en, *;q=0.1", "*;q=0.1,en")]
    public void Rfc9111_4_1_Weighted_lists_that_differ_only_in_order_case_white_space_or_equal_rank_select_the_same_variant(string field, string a, string b)
        => Assert.Equal(Key(field, (field, a)), Key(field, (field, b)));

    [Theory]
    [InlineData("Accept-Encoding", "gzip, br;q=0.8", "gzip;q=0.8, br")]
    [InlineData("Accept-Encoding", "gzip", "gzip, identity;q=0")]
    [InlineData("Accept-Encoding", "gzip", "br")]
    [InlineData("Accept-Language", "en;q=0.9, fr", "en, fr;q=0.9")]
    [InlineData("Accept-Language", "en-GB", "en")]
    public void Rfc9111_4_1_Weighted_lists_that_rank_differently_select_different_variants(string field, string a, string b)
        => Assert.NotEqual(Key(field, (field, a)), Key(field, (field, b)));

    [Theory]
    [InlineData("gzip;q=2, br", "br, gzip;q=2")]
    [InlineData("gzip;level=1, br", "br, gzip;level=1")]
    [InlineData("gzip;q=0.0001, br", "br, gzip;q=0.0001")]
    public void Rfc9111_4_1_A_value_that_is_not_a_valid_weighted_list_is_not_reordered(string a, string b)
    {
        Assert.Null(VaryKey.NormalizeWeighted(a));
        Assert.NotEqual(Key("Accept-Encoding", ("Accept-Encoding", a)), Key("Accept-Encoding", ("Accept-Encoding", b)));
    }

    [Fact]
    public void Rfc9111_4_1_Per_field_modes_pass_a_value_through_or_normalise_any_field()
    {
        var modes = new Dictionary<string, VaryFieldMode>(StringComparer.OrdinalIgnoreCase)
        {
            ["Accept-Language"] = VaryFieldMode.PassThrough,
            ["X-Weights"] = VaryFieldMode.Normalize,
        };
        string With(string names, string field, string value)
            => VaryKey.Build("http://o/x", "g1", VaryKey.CanonicalNames(names), (field, value), static (s, n) => n.Equals(s.field, StringComparison.OrdinalIgnoreCase) ? s.value : null, modes);

        Assert.NotEqual(With("Accept-Language", "Accept-Language", "en, fr"), With("Accept-Language", "Accept-Language", "fr, en"));
        Assert.NotEqual(With("Accept-Language", "Accept-Language", "EN"), With("Accept-Language", "Accept-Language", "en"));
        Assert.Equal(With("X-Weights", "X-Weights", "a, B;q=0.5"), With("X-Weights", "X-Weights", "b;q=0.5,A"));
    }

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
