using EdgeCache.Semantics;
using EdgeCache.Semantics.Rfc9111;

namespace EdgeCache.Tests.Rfc9111;

public sealed class ReuseTests
{
    private static ReuseDecision Decide(int lifetime, int age, string stored = "", string request = "", bool invalidated = false)
        => Reuse.Decide(TimeSpan.FromSeconds(lifetime), TimeSpan.FromSeconds(age), invalidated, CacheControlDirectives.Parse(stored), CacheControlDirectives.Parse(request));

    [Fact]
    public void Rfc9111_4_2_Fresh_response_is_reused()
        => Assert.Equal(ReuseDecision.Fresh, Decide(60, 10));

    [Fact]
    public void Rfc9111_4_2_Response_whose_age_reached_its_lifetime_is_stale()
        => Assert.Equal(ReuseDecision.MustValidate, Decide(60, 60));

    [Fact]
    public void Rfc9111_5_2_2_4_Response_no_cache_is_always_validated()
        => Assert.Equal(ReuseDecision.MustValidate, Decide(60, 0, stored: "no-cache"));

    [Fact]
    public void Rfc9111_5_2_1_4_Request_no_cache_is_always_validated()
        => Assert.Equal(ReuseDecision.MustValidate, Decide(60, 0, request: "no-cache"));

    [Theory]
    [InlineData(10, "Fresh")]
    [InlineData(9, "MustValidate")]
    [InlineData(0, "MustValidate")]
    public void Rfc9111_5_2_1_1_Request_max_age_bounds_the_acceptable_age(int maxAge, string expected)
        => AssertIs(expected, Decide(60, 10, request: $"max-age={maxAge}"));

    [Theory]
    [InlineData(50, "Fresh")]
    [InlineData(51, "MustValidate")]
    public void Rfc9111_5_2_1_3_Request_min_fresh_needs_that_much_freshness_left(int minFresh, string expected)
        => AssertIs(expected, Decide(60, 10, request: $"min-fresh={minFresh}"));

    [Theory]
    [InlineData("max-stale", "StaleAcceptedByClient")]
    [InlineData("max-stale=30", "StaleAcceptedByClient")]
    [InlineData("max-stale=29", "MustValidate")]
    public void Rfc9111_5_2_1_2_Request_max_stale_accepts_staleness_up_to_its_value(string request, string expected)
        => AssertIs(expected, Decide(60, 90, request: request));

    [Theory]
    [InlineData("must-revalidate")]
    [InlineData("proxy-revalidate")]
    [InlineData("s-maxage=60")]
    public void Rfc9111_4_2_4_Stale_response_is_not_served_for_max_stale_against_revalidation_directives(string stored)
        => Assert.Equal(ReuseDecision.MustValidate, Decide(60, 90, stored: stored, request: "max-stale"));

    [Theory]
    [InlineData(90, "StaleWhileRevalidate")]
    [InlineData(121, "MustValidate")]
    public void Rfc5861_3_stale_while_revalidate_window_counts_from_expiry(int age, string expected)
        => AssertIs(expected, Decide(60, age, stored: "max-age=60, stale-while-revalidate=60"));

    [Fact]
    public void Rfc5861_3_must_revalidate_overrides_stale_while_revalidate()
        => Assert.Equal(ReuseDecision.MustValidate, Decide(60, 90, stored: "max-age=60, must-revalidate, stale-while-revalidate=60"));

    [Fact]
    public void Soft_purged_entry_is_stale_but_may_be_served_while_revalidating()
    {
        Assert.Equal(ReuseDecision.MustValidate, Decide(60, 10, invalidated: true));
        Assert.Equal(ReuseDecision.StaleWhileRevalidate, Decide(60, 10, stored: "stale-while-revalidate=30", invalidated: true));
    }

    [Theory]
    [InlineData("max-age=60, stale-if-error=60", "", 100, true)]
    [InlineData("max-age=60, stale-if-error=60", "", 121, false)]
    [InlineData("max-age=60", "stale-if-error=60", 100, true)]
    [InlineData("max-age=60", "max-stale", 1000, true)]
    [InlineData("max-age=60", "", 61, false)]
    [InlineData("max-age=60, must-revalidate, stale-if-error=600", "", 100, false)]
    [InlineData("max-age=60, proxy-revalidate, stale-if-error=600", "", 100, false)]
    [InlineData("no-cache, stale-if-error=600", "", 100, false)]
    public void Rfc5861_4_stale_if_error_allows_a_stale_copy_when_the_origin_fails(string stored, string request, int age, bool allowed)
        => Assert.Equal(allowed, Reuse.MayServeStaleOnError(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(age), CacheControlDirectives.Parse(stored), CacheControlDirectives.Parse(request)));

    [Theory]
    [InlineData("max-age=60", "", 100, 60, true)]
    [InlineData("max-age=60", "", 121, 60, false)]
    [InlineData("max-age=60", "", 61, 0, false)]
    [InlineData("max-age=60, must-revalidate", "", 61, 3600, false)]
    [InlineData("max-age=60, proxy-revalidate", "", 61, 3600, false)]
    [InlineData("s-maxage=60", "", 61, 3600, false)]
    [InlineData("max-age=60, no-cache", "", 61, 3600, false)]
    [InlineData("max-age=60, no-cache=\"Set-Cookie\"", "", 61, 3600, true)]
    [InlineData("max-age=60", "no-cache", 61, 3600, false)]
    [InlineData("max-age=60", "min-fresh=1", 61, 3600, false)]
    [InlineData("max-age=60", "max-age=30", 61, 3600, false)]
    [InlineData("max-age=60", "max-age=300", 61, 3600, true)]
    public void Rfc9111_4_2_4_A_disconnected_cache_may_serve_stale_within_its_bound_unless_forbidden(string stored, string request, int age, int bound, bool allowed)
        => Assert.Equal(allowed, Reuse.MayServeStaleWhileDisconnected(
            TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(age), CacheControlDirectives.Parse(stored), CacheControlDirectives.Parse(request), TimeSpan.FromSeconds(bound)));

    [Theory]
    [InlineData(500, true)]
    [InlineData(502, true)]
    [InlineData(503, true)]
    [InlineData(504, true)]
    [InlineData(501, false)]
    [InlineData(404, false)]
    public void Rfc5861_4_Errors_are_500_502_503_and_504(int status, bool error)
        => Assert.Equal(error, Reuse.IsErrorStatus(status));

    private static void AssertIs<T>(string expected, T actual)
        where T : struct, Enum
        => Assert.Equal(expected, actual.ToString());
}
