using EdgeCache.Semantics;
using EdgeCache.Semantics.Rfc9111;
using static EdgeCache.Tests.Rfc9111.Rfc9111TestHeaders;

namespace EdgeCache.Tests.Rfc9111;

public sealed class StorabilityTests
{
    private static StorageVerdict Verdict(ResponseFacts facts, string requestCc = "", bool authorization = false, string method = "GET")
        => Storability.Evaluate(method, CacheControlDirectives.Parse(requestCc), authorization, facts, hasFreshness: true).Verdict;

    [Fact]
    public void Rfc9111_3_Explicitly_fresh_response_is_stored()
        => Assert.Equal(StorageVerdict.Store, Verdict(Facts(200, ("Cache-Control", "max-age=60"))));

    [Theory]
    [InlineData("POST")]
    [InlineData("HEAD")]
    [InlineData("PUT")]
    public void Rfc9111_3_Only_GET_responses_are_stored(string method)
        => Assert.Equal(StorageVerdict.MethodNotCacheable, Verdict(Facts(200, ("Cache-Control", "max-age=60")), method: method));

    [Theory]
    [InlineData(100)]
    [InlineData(206)]
    [InlineData(304)]
    public void Rfc9111_3_Interim_partial_and_304_responses_are_not_stored(int status)
        => Assert.Equal(StorageVerdict.Status, Verdict(Facts(status, ("Cache-Control", "max-age=60"))));

    [Fact]
    public void Rfc9111_3_Response_no_store_is_not_stored()
        => Assert.Equal(StorageVerdict.ResponseNoStore, Verdict(Facts(200, ("Cache-Control", "max-age=60, no-store"))));

    [Fact]
    public void Rfc9111_3_Request_no_store_is_not_stored()
        => Assert.Equal(StorageVerdict.RequestNoStore, Verdict(Facts(200, ("Cache-Control", "max-age=60")), requestCc: "no-store"));

    [Fact]
    public void Rfc9111_3_Unqualified_private_is_not_stored_by_a_shared_cache()
        => Assert.Equal(StorageVerdict.Private, Verdict(Facts(200, ("Cache-Control", "private, max-age=60"))));

    [Fact]
    public void Rfc9111_5_2_2_7_Qualified_private_is_stored_without_the_named_fields()
    {
        var decision = Storability.Evaluate("GET", CacheControlDirectives.Empty, false, Facts(200, ("Cache-Control", "private=\"Set-Cookie, X-User\", max-age=60")), true);

        Assert.True(decision.Store);
        Assert.Equal(["Set-Cookie", "X-User"], decision.StrippedFields);
    }

    [Fact]
    public void Rfc9111_5_2_2_4_Qualified_no_cache_fields_are_not_stored()
        => Assert.Equal(["Set-Cookie"], Storability.Evaluate("GET", CacheControlDirectives.Empty, false, Facts(200, ("Cache-Control", "no-cache=\"Set-Cookie\", max-age=60")), true).StrippedFields);

    [Fact]
    public void Rfc9111_3_5_Authorization_request_is_not_stored_without_explicit_permission()
        => Assert.Equal(StorageVerdict.Authorization, Verdict(Facts(200, ("Cache-Control", "max-age=60")), authorization: true));

    [Theory]
    [InlineData("public")]
    [InlineData("s-maxage=60")]
    [InlineData("max-age=60, must-revalidate")]
    public void Rfc9111_3_5_Authorization_request_is_stored_with_public_s_maxage_or_must_revalidate(string cacheControl)
        => Assert.Equal(StorageVerdict.Store, Verdict(Facts(200, ("Cache-Control", cacheControl)), authorization: true));

    [Fact]
    public void Rfc9111_4_1_Vary_star_is_not_stored()
        => Assert.Equal(StorageVerdict.VaryStar, Verdict(Facts(200, ("Cache-Control", "max-age=60"), ("Vary", "Accept, *"))));

    [Theory]
    [InlineData(302)]
    [InlineData(307)]
    [InlineData(400)]
    [InlineData(500)]
    public void Rfc9111_3_Status_not_cacheable_by_default_needs_explicit_freshness(int status)
    {
        Assert.Equal(StorageVerdict.NotCacheable, Verdict(Facts(status)));
        Assert.Equal(StorageVerdict.Store, Verdict(Facts(status, ("Cache-Control", "max-age=60"))));
    }

    [Theory]
    [InlineData(200)]
    [InlineData(404)]
    [InlineData(410)]
    [InlineData(501)]
    public void Rfc9111_3_Status_cacheable_by_default_is_stored_without_explicit_freshness(int status)
        => Assert.Equal(StorageVerdict.Store, Verdict(Facts(status, ("Last-Modified", Date(TimeSpan.FromDays(-1))))));

    [Fact]
    public void Rfc9111_3_Response_with_nothing_to_use_or_revalidate_is_not_stored()
        => Assert.Equal(StorageVerdict.NotCacheable, Storability.Evaluate("GET", CacheControlDirectives.Empty, false, Facts(200), hasFreshness: false).Verdict);

    [Fact]
    public void Rfc9111_5_2_2_3_must_understand_overrides_no_store_for_an_understood_status()
        => Assert.Equal(StorageVerdict.Store, Verdict(Facts(200, ("Cache-Control", "must-understand, no-store, max-age=60"))));

    [Fact]
    public void Rfc9111_5_2_2_3_must_understand_with_a_status_not_understood_is_not_stored()
        => Assert.Equal(StorageVerdict.Status, Verdict(Facts(299, ("Cache-Control", "must-understand, no-store, max-age=60"))));

    [Fact]
    public void Rfc9213_CDN_Cache_Control_no_store_wins_over_Cache_Control()
        => Assert.Equal(StorageVerdict.ResponseNoStore, Verdict(Facts(200, ("Cache-Control", "max-age=60"), ("CDN-Cache-Control", "no-store"))));

    [Fact]
    public void Rfc9213_CDN_Cache_Control_makes_a_private_Cache_Control_storable()
        => Assert.Equal(StorageVerdict.Store, Verdict(Facts(200, ("Cache-Control", "private"), ("CDN-Cache-Control", "max-age=60"))));

    [Fact]
    public void Rfc9111_3_Cookies_do_not_prevent_storing()
        => Assert.Equal(StorageVerdict.Store, Verdict(Facts(200, ("Cache-Control", "max-age=60"), ("Set-Cookie", "a=b"))));
}
