using EdgeCache.Server.Status;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeCache.Server.Tests.Status;

public sealed class TopKeyTrackerTests
{
    [Fact]
    public void Keys_are_ranked_by_count_with_exact_counts_while_they_fit()
    {
        var tracker = new TopKeyTracker();
        foreach (var key in new[] { "a", "b", "a", "c", "a", "b" })
        {
            tracker.Record(key);
        }

        var top = tracker.Snapshot(10);

        Assert.Equal(6, top.Counted);
        Assert.Equal(["a", "b", "c"], top.Keys.Select(k => k.Url));
        Assert.Equal([3L, 2L, 1L], top.Keys.Select(k => k.Count));
        Assert.All(top.Keys, k => Assert.Equal(0, k.Overcount));
        Assert.Equal(["a", "b"], tracker.Snapshot(2).Keys.Select(k => k.Url));
    }

    [Fact]
    public void A_new_key_beyond_capacity_displaces_the_least_counted_and_a_heavy_key_survives_any_churn()
    {
        var tracker = new TopKeyTracker();
        for (var round = 0; round < 50; round++)
        {
            tracker.Record("/hot");
            for (var i = 0; i < 20; i++)
            {
                tracker.Record($"/cold/{round}/{i}");
            }
        }

        var top = tracker.Snapshot(TopKeyTracker.Capacity + 10);

        Assert.Equal(TopKeyTracker.Capacity, top.Keys.Count);
        Assert.Equal("/hot", top.Keys[0].Url);
        Assert.Equal(50, top.Keys[0].Count);
        Assert.Equal(0, top.Keys[0].Overcount);

        // Space-Saving: a displacing key inherits the count it replaced, recorded as its overcount.
        Assert.Contains(top.Keys, k => k.Overcount > 0 && k.Count == k.Overcount + 1);
        Assert.Equal(50 * 21, top.Counted);
    }

    [Fact]
    public void Long_keys_are_cut_so_memory_stays_bounded()
    {
        var tracker = new TopKeyTracker();
        tracker.Record(new string('x', 10_000) + "1");
        tracker.Record(new string('x', 10_000) + "2");

        var key = Assert.Single(tracker.Snapshot(10).Keys);
        Assert.Equal(TopKeyTracker.MaxKeyLength, key.Url.Length);
        Assert.Equal(2, key.Count);
    }

    [Theory]
    [InlineData("/a/b?c=1&d=%20", "http://example.com:8080/a/b?c=1&d=%20")]
    [InlineData("http://other.example/x", "http://other.example/x")]
    public void A_request_is_counted_under_its_scheme_host_and_raw_target(string rawTarget, string expected)
    {
        var tracker = new TopKeyTracker();
        var context = new DefaultHttpContext();
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("example.com:8080");
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = rawTarget;

        tracker.Record(context);
        tracker.Record(context);

        var key = Assert.Single(tracker.Snapshot(10).Keys);
        Assert.Equal(expected, key.Url);
        Assert.Equal(2, key.Count);
    }

    [Fact]
    public void Counting_a_request_for_a_tracked_url_allocates_nothing()
    {
        var tracker = new TopKeyTracker();
        var counters = new CacheStatusCounters();
        var context = new DefaultHttpContext();
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("example.com");
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = "/assets/app.js?v=3";
        tracker.Record(context);
        counters.Record(EdgeCacheStatus.Hit);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            tracker.Record(context);
            counters.Record(EdgeCacheStatus.Hit);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1001, tracker.Snapshot(1).Keys[0].Count);
    }
}
