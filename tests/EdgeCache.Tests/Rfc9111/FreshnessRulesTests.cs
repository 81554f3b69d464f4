using EdgeCache.Semantics.Rfc9111;
using static EdgeCache.Tests.Rfc9111.Rfc9111TestHeaders;

namespace EdgeCache.Tests.Rfc9111;

public sealed class FreshnessRulesTests
{
    private static readonly TimeSpan Cap = TimeSpan.FromDays(1);

    private static TimeSpan Lifetime(ResponseFacts facts, out FreshnessSource source) => Freshness.Lifetime(facts, Now, Cap, out source);

    [Fact]
    public void Rfc9111_4_2_1_s_maxage_wins_over_max_age_and_Expires()
    {
        var facts = Facts(200, ("Cache-Control", "max-age=10, s-maxage=100"), ("Expires", Date(TimeSpan.FromHours(1))), ("Date", Date()));

        Assert.Equal(TimeSpan.FromSeconds(100), Lifetime(facts, out var source));
        Assert.Equal(FreshnessSource.SharedMaxAge, source);
    }

    [Fact]
    public void Rfc9111_5_2_3_Unknown_directives_are_ignored()
    {
        var facts = Facts(200, ("Cache-Control", "community=\"UCI\", x-ext, max-age=60, immutable"));

        Assert.Equal(TimeSpan.FromSeconds(60), Lifetime(facts, out var source));
        Assert.Equal(FreshnessSource.MaxAge, source);
        Assert.False(facts.Directives.NoStore || facts.Directives.NoCache || facts.Directives.Private);
    }

    [Fact]
    public void Rfc9111_4_2_1_max_age_wins_over_Expires()
    {
        var facts = Facts(200, ("Cache-Control", "max-age=10"), ("Expires", Date(TimeSpan.FromHours(1))), ("Date", Date()));

        Assert.Equal(TimeSpan.FromSeconds(10), Lifetime(facts, out var source));
        Assert.Equal(FreshnessSource.MaxAge, source);
    }

    [Fact]
    public void Rfc9111_4_2_1_Expires_counts_from_Date()
    {
        var facts = Facts(200, ("Expires", Date(TimeSpan.FromSeconds(90))), ("Date", Date(TimeSpan.FromSeconds(30))));

        Assert.Equal(TimeSpan.FromSeconds(60), Lifetime(facts, out var source));
        Assert.Equal(FreshnessSource.Expires, source);
    }

    [Fact]
    public void Rfc9111_4_2_1_Expires_without_Date_counts_from_the_response_time()
        => Assert.Equal(TimeSpan.FromSeconds(90), Lifetime(Facts(200, ("Expires", Date(TimeSpan.FromSeconds(90)))), out _));

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("yesterday")]
    public void Rfc9111_5_3_Invalid_Expires_is_already_expired(string expires)
        => Assert.Equal(TimeSpan.Zero, Lifetime(Facts(200, ("Expires", expires)), out _));

    [Theory]
    [InlineData("Sunday, 01-Mar-26 12:01:00 GMT")]
    [InlineData("Sun Mar  1 12:01:00 2026")]
    public void Rfc9110_5_6_7_Obsolete_date_formats_are_accepted_in_Expires(string expires)
        => Assert.Equal(TimeSpan.FromMinutes(1), Lifetime(Facts(200, ("Expires", expires), ("Date", Date())), out _));

    [Fact]
    public void Rfc9111_4_2_1_Expires_in_the_past_gives_no_freshness()
        => Assert.Equal(TimeSpan.Zero, Lifetime(Facts(200, ("Expires", Date(TimeSpan.FromHours(-1))), ("Date", Date())), out _));

    [Fact]
    public void Rfc9111_4_2_1_Conflicting_duplicated_max_age_makes_the_response_stale()
        => Assert.Equal(TimeSpan.Zero, Lifetime(Facts(200, ("Cache-Control", "max-age=10"), ("Cache-Control", "max-age=20")), out _));

    [Fact]
    public void Rfc9111_4_2_1_Identical_duplicated_max_age_is_not_a_conflict()
        => Assert.Equal(TimeSpan.FromSeconds(10), Lifetime(Facts(200, ("Cache-Control", "max-age=10, max-age=10")), out _));

    [Fact]
    public void Rfc9111_4_2_1_Conflicting_duplicated_Expires_makes_the_response_stale()
        => Assert.Equal(TimeSpan.Zero, Lifetime(Facts(200, ("Expires", Date(TimeSpan.FromHours(1))), ("Expires", Date(TimeSpan.FromHours(2)))), out _));

    [Theory]
    [InlineData("max-age=-1")]
    [InlineData("max-age=1a")]
    [InlineData("s-maxage=abc, max-age=60")]
    public void Rfc9111_1_2_2_Invalid_delta_seconds_make_the_response_stale(string cacheControl)
        => Assert.Equal(TimeSpan.Zero, Lifetime(Facts(200, ("Cache-Control", cacheControl)), out _));

    [Fact]
    public void Rfc9111_1_2_2_Delta_seconds_beyond_2_pow_31_are_read_as_2_pow_31()
        => Assert.Equal(TimeSpan.FromSeconds(2147483648), Lifetime(Facts(200, ("Cache-Control", "max-age=99999999999999999999")), out _));

    [Fact]
    public void Rfc9111_5_2_Quoted_max_age_is_accepted()
        => Assert.Equal(TimeSpan.FromSeconds(30), Lifetime(Facts(200, ("Cache-Control", "max-age=\"30\"")), out _));

    [Fact]
    public void Rfc9111_4_2_2_Heuristic_is_a_tenth_of_the_time_since_Last_Modified()
    {
        var facts = Facts(200, ("Date", Date()), ("Last-Modified", Date(TimeSpan.FromSeconds(-1000))));

        Assert.Equal(TimeSpan.FromSeconds(100), Lifetime(facts, out var source));
        Assert.Equal(FreshnessSource.Heuristic, source);
    }

    [Fact]
    public void Rfc9111_4_2_2_Heuristic_is_capped()
        => Assert.Equal(Cap, Lifetime(Facts(200, ("Date", Date()), ("Last-Modified", Date(TimeSpan.FromDays(-365)))), out _));

    [Theory]
    [InlineData(200, true)]
    [InlineData(203, true)]
    [InlineData(204, true)]
    [InlineData(300, true)]
    [InlineData(301, true)]
    [InlineData(308, true)]
    [InlineData(404, true)]
    [InlineData(405, true)]
    [InlineData(410, true)]
    [InlineData(414, true)]
    [InlineData(501, true)]
    [InlineData(206, false)]
    [InlineData(302, false)]
    [InlineData(307, false)]
    [InlineData(400, false)]
    [InlineData(500, false)]
    [InlineData(503, false)]
    public void Rfc9111_4_2_2_Heuristic_applies_only_to_statuses_cacheable_by_default(int status, bool heuristic)
    {
        var lifetime = Lifetime(Facts(status, ("Date", Date()), ("Last-Modified", Date(TimeSpan.FromSeconds(-1000)))), out _);

        Assert.Equal(heuristic, lifetime > TimeSpan.Zero);
    }

    [Fact]
    public void Rfc9111_4_2_2_Heuristic_applies_to_other_statuses_marked_public()
        => Assert.True(Lifetime(Facts(302, ("Cache-Control", "public"), ("Date", Date()), ("Last-Modified", Date(TimeSpan.FromSeconds(-1000)))), out _) > TimeSpan.Zero);

    [Fact]
    public void Rfc9111_4_2_2_No_heuristic_without_Last_Modified()
        => Assert.Equal(TimeSpan.Zero, Lifetime(Facts(200, ("Date", Date())), out _));

    [Fact]
    public void Rfc9213_2_2_CDN_Cache_Control_replaces_Cache_Control_and_Expires()
    {
        var facts = Facts(200, ("Cache-Control", "max-age=5, s-maxage=5"), ("Expires", Date(TimeSpan.FromHours(1))), ("CDN-Cache-Control", "max-age=600"));

        Assert.Equal(TimeSpan.FromSeconds(600), Lifetime(facts, out var source));
        Assert.Equal(FreshnessSource.Targeted, source);
        Assert.True(facts.Targeted);
        Assert.Null(facts.Expires);
    }

    [Fact]
    public void Rfc9213_2_2_CDN_Cache_Control_takes_precedence_over_Surrogate_Control()
        => Assert.Equal(TimeSpan.FromSeconds(60), Lifetime(Facts(200, ("Surrogate-Control", "max-age=30"), ("CDN-Cache-Control", "max-age=60")), out _));

    [Fact]
    public void Rfc9213_2_2_An_empty_targeted_field_is_ignored()
        => Assert.Equal(TimeSpan.FromSeconds(5), Lifetime(Facts(200, ("CDN-Cache-Control", ""), ("Cache-Control", "max-age=5")), out _));

    [Fact]
    public void Surrogate_Control_targets_are_ignored_and_its_max_age_is_used()
        => Assert.Equal(TimeSpan.FromSeconds(60), Lifetime(Facts(200, ("Surrogate-Control", "max-age=60;edge1, content=\"ESI/1.0\"")), out _));
}
