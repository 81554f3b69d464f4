using EdgeCache.AspNetCore.Proxy;

namespace EdgeCache.AspNetCore.Tests.Proxy;

public sealed class CacheStatusTests
{
    [Fact]
    public void A_miss_lists_forward_status_ttl_and_stored_in_a_fixed_order()
        => Assert.Equal(
            "EdgeCache; fwd=uri-miss; fwd-status=200; ttl=3600; stored",
            new CacheStatus(EdgeCacheStatus.Miss, Forward: "uri-miss", ForwardStatus: 200, Ttl: 3600, Stored: true).Format("EdgeCache"));

    [Fact]
    public void A_hit_shows_hit_and_ttl_and_a_negative_ttl_stays_negative()
        => Assert.Equal("EdgeCache; hit; ttl=-5", new CacheStatus(EdgeCacheStatus.Stale, Hit: true, Ttl: -5).Format("EdgeCache"));

    [Fact]
    public void Every_parameter_and_a_value_longer_than_the_stack_buffer_are_kept_whole()
    {
        var name = new string('n', 200);
        var status = new CacheStatus(EdgeCacheStatus.Miss, Hit: true, Forward: "stale", ForwardStatus: 304, Ttl: 12, Stored: true, Collapsed: true, Detail: "collapse-timeout");

        Assert.Equal(name + "; hit; fwd=stale; fwd-status=304; ttl=12; stored; collapsed; detail=collapse-timeout", status.Format(name));
    }

    [Fact]
    public void A_member_without_parameters_is_the_cache_name()
        => Assert.Equal("EdgeCache", new CacheStatus(EdgeCacheStatus.Dynamic).Format("EdgeCache"));
}
