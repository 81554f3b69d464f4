using System.Diagnostics.Metrics;
using EdgeCache.Server.Tests.Status;
using EdgeCache.Testing;

namespace EdgeCache.Server.Tests.Proxy;

/// <summary>
/// Only a request that arrives while a fill is running is collapsed (reported <c>collapsed</c> and counted in
/// <c>edgecache_collapsed_requests_total</c>); one that comes after the fill finished is a HIT. Runs alone:
/// the counter is process-wide.
/// </summary>
[Collection(nameof(ProcessWideMeter))]
public sealed class CollapsedReportingTests : IAsyncLifetime
{
    private readonly RawSocketOrigin _origin = RawSocketOrigin.Start();
    private readonly MeterListener _listener = new();
    private ProxyHarness _proxy = null!;
    private long _collapsed;

    public async Task InitializeAsync()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == EdgeCache.Diagnostics.EdgeCacheTelemetry.Name && instrument.Name == "edgecache.collapsed_requests")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _collapsed, value));
        _listener.Start();
        _proxy = await ProxyHarness.StartAsync(("Origin", _origin.BaseUri.ToString()));
    }

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        await _proxy.DisposeAsync();
        await _origin.DisposeAsync();
    }

    private long Collapsed => Interlocked.Read(ref _collapsed);

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nCache-Control: max-age=60\r\n\r\nhello")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nCache-Control: max-age=60\r\n\r\n5\r\nhello\r\n0\r\n\r\n")]
    public async Task A_request_right_after_a_completed_miss_is_a_hit_and_not_counted_as_collapsed(string answer)
    {
        // Many rounds: the window between the leader's last byte and the fill's end is short but real.
        var before = Collapsed;
        for (var i = 0; i < 40; i++)
        {
            var path = $"/seq-{i}";
            _origin.Answer(path, answer);

            var (miss, first) = await _proxy.GetTextAsync(path);
            var (next, second) = await _proxy.GetTextAsync(path);

            Assert.Equal("MISS", miss.CfStatus());
            Assert.Equal("hello", first);
            Assert.Equal("hello", second);
            Assert.Equal("HIT", next.CfStatus());
            Assert.Contains("; hit", next.CacheStatus(), StringComparison.Ordinal);
            Assert.DoesNotContain("collapsed", next.CacheStatus(), StringComparison.Ordinal);
            Assert.Single(_origin.For(path));
        }

        Assert.Equal(before, Collapsed);
    }

    [Fact]
    public async Task A_request_that_arrives_while_the_fill_runs_is_collapsed_and_counted_once()
    {
        var release = new TaskCompletionSource();
        _origin.Answer("/slow", "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nCache-Control: max-age=60\r\n\r\nslow");
        _origin.Hold("/slow", () => release.Task);
        var before = Collapsed;

        var leader = _proxy.GetTextAsync("/slow");
        await ProxyHarness.EventuallyAsync(() => _origin.Requests.Any(r => r.Path == "/slow"));
        var follower = _proxy.GetTextAsync("/slow");
        await ProxyHarness.EventuallyAsync(() => Collapsed > before);
        release.SetResult();
        var (leaderResponse, leaderBody) = await leader;
        var (followerResponse, followerBody) = await follower;

        Assert.Equal("slow", leaderBody);
        Assert.Equal("slow", followerBody);
        Assert.Contains("stored", leaderResponse.CacheStatus(), StringComparison.Ordinal);
        Assert.DoesNotContain("collapsed", leaderResponse.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal("MISS", followerResponse.CfStatus());
        Assert.Contains("collapsed", followerResponse.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(before + 1, Collapsed);
        Assert.Single(_origin.For("/slow"));
    }

    [Fact]
    public async Task A_request_after_expiry_is_EXPIRED_also_when_it_gives_up_waiting_for_the_refill()
    {
        _origin.Answer("/exp", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nCache-Control: max-age=10\r\n\r\nv1");
        Assert.Equal("MISS", (await _proxy.GetAsync("/exp")).CfStatus());
        await _proxy.AdvanceAsync(TimeSpan.FromSeconds(11));

        var expired = await _proxy.GetAsync("/exp");
        Assert.Equal("EXPIRED", expired.CfStatus());
        Assert.Contains("stored", expired.CacheStatus(), StringComparison.Ordinal);

        // The refill hangs: a collapsed request that stops waiting goes to the origin itself, and the stale
        // entry it found still makes it EXPIRED, not MISS.
        await _proxy.AdvanceAsync(TimeSpan.FromSeconds(11));
        var release = new TaskCompletionSource();
        _origin.Hold("/exp", () => release.Task);
        var before = _origin.For("/exp").Count;
        var leader = _proxy.GetAsync("/exp");
        await ProxyHarness.EventuallyAsync(() => _origin.For("/exp").Count > before);
        var collapsed = Collapsed;
        var follower = _proxy.GetAsync("/exp");
        await ProxyHarness.EventuallyAsync(() => Collapsed > collapsed);
        _proxy.Advance(TimeSpan.FromSeconds(16));
        await ProxyHarness.EventuallyAsync(() => _origin.For("/exp").Count > before + 1 || follower.IsCompleted);
        release.SetResult();

        var timedOut = await follower;
        Assert.Contains("collapse-timeout", timedOut.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal("EXPIRED", timedOut.CfStatus());
        Assert.Equal("EXPIRED", (await leader).CfStatus());
    }
}
