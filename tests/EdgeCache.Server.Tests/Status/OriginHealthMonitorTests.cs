using EdgeCache.Diagnostics;
using EdgeCache.Server.Status;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Server.Tests.Status;

/// <summary>The EdgeCache meter is process-wide: these tests run alone so no other test's origin traffic lands in them.</summary>
[CollectionDefinition(nameof(ProcessWideMeter), DisableParallelization = true)]
public sealed class ProcessWideMeter;

[Collection(nameof(ProcessWideMeter))]
public sealed class OriginHealthMonitorTests
{
    [Fact]
    public void Latency_median_and_mean_cover_the_recent_round_trips()
    {
        using var monitor = new OriginHealthMonitor(TimeProvider.System);
        Assert.Null(monitor.Snapshot().LatencyP50Ms);

        foreach (var seconds in new[] { 0.010, 0.030, 0.020, 0.100 })
        {
            monitor.RecordRoundTrip(seconds);
        }

        var health = monitor.Snapshot();
        Assert.Equal(4, health.RoundTrips);
        Assert.Equal(25, health.LatencyP50Ms!.Value, 6);
        Assert.Equal(40, health.LatencyAvgMs!.Value, 6);

        for (var i = 0; i < OriginHealthMonitor.LatencySamples; i++)
        {
            monitor.RecordRoundTrip(0.002);
        }

        health = monitor.Snapshot();
        Assert.Equal(OriginHealthMonitor.LatencySamples, health.LatencySamples);
        Assert.Equal(2, health.LatencyAvgMs!.Value, 6);
    }

    [Fact]
    public void Origin_round_trips_and_errors_reported_to_the_meter_reach_the_monitor_with_their_error_type()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        using var monitor = new OriginHealthMonitor(time);
        monitor.Start();

        EdgeCacheTelemetry.RecordOrigin(TimeSpan.FromMilliseconds(8), errorType: null);
        EdgeCacheTelemetry.RecordOrigin(TimeSpan.FromMilliseconds(12), "ConnectionError");

        var health = monitor.Snapshot();
        Assert.Equal(2, health.RoundTrips);
        Assert.Equal(1, health.Errors);
        Assert.Equal(new OriginError("ConnectionError", time.GetUtcNow()), health.LastError);
        Assert.Equal(10, health.LatencyP50Ms!.Value, 6);
    }
}
