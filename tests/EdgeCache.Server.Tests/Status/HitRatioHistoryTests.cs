using EdgeCache.Server.Status;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Server.Tests.Status;

public sealed class HitRatioHistoryTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly CacheStatusCounters _counters = new();

    [Fact]
    public void Each_bucket_holds_the_requests_and_cached_responses_counted_in_it_and_the_open_bucket_shows_at_once()
    {
        using var history = new HitRatioHistory(_counters, _time);
        history.Start();

        Record("DYNAMIC", "HIT", "HIT", "HIT");
        var live = Assert.Single(history.Snapshot());
        Assert.Equal((4L, 3L), (live.Requests, live.Cached));

        _time.Advance(HitRatioHistory.BucketLength);
        Record("MISS", "STALE", "REVALIDATED", "UPDATING", "BYPASS", "EXPIRED", "SOMETHING-ELSE");
        _time.Advance(HitRatioHistory.BucketLength);

        var points = history.Snapshot();
        Assert.Equal(3, points.Count);
        Assert.Equal((4L, 3L), (points[0].Requests, points[0].Cached));
        Assert.Equal((7L, 3L), (points[1].Requests, points[1].Cached));
        Assert.Equal((0L, 0L), (points[2].Requests, points[2].Cached));
        Assert.Equal(HitRatioHistory.BucketLength, points[2].Start - points[1].Start);
        Assert.Equal(_time.GetUtcNow(), points[2].Start);
    }

    [Fact]
    public void The_history_keeps_fifteen_minutes_and_drops_older_buckets()
    {
        using var history = new HitRatioHistory(_counters, _time);
        history.Start();
        Record("HIT");
        for (var i = 0; i < HitRatioHistory.BucketCount + 20; i++)
        {
            _time.Advance(HitRatioHistory.BucketLength);
            Record("MISS");
        }

        var points = history.Snapshot();

        Assert.Equal(HitRatioHistory.BucketCount, points.Count);
        Assert.Equal(TimeSpan.FromMinutes(15), HitRatioHistory.Window);
        Assert.All(points, p => Assert.Equal((1L, 0L), (p.Requests, p.Cached)));
        Assert.Equal(_time.GetUtcNow() - (HitRatioHistory.BucketLength * (HitRatioHistory.BucketCount - 1)), points[0].Start);
    }

    [Fact]
    public void Totals_count_every_status_and_only_cache_answers_as_cached()
    {
        Record("HIT", "STALE", "UPDATING", "REVALIDATED", "MISS", "EXPIRED", "BYPASS", "DYNAMIC", "weird");

        Assert.Equal((9L, 4L), _counters.Totals());
        var byStatus = _counters.Snapshot().ToDictionary(c => c.Status, c => c.Count);
        Assert.Equal(1, byStatus["OTHER"]);
        Assert.All(CacheStatusCounters.Names, name => Assert.Equal(1, byStatus[name]));
    }

    private void Record(params string[] statuses)
    {
        foreach (var status in statuses)
        {
            _counters.Record(EdgeCacheStatusNames.Parse(status));
        }
    }
}
