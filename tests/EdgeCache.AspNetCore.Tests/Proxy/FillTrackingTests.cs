using EdgeCache.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>A fill is pending work of the wait-until tracker (shutdown waits for it) from its start to its end.</summary>
public sealed class FillTrackingTests
{
    [Fact]
    public async Task A_fill_counts_as_pending_work_until_its_body_is_in_and_stored()
    {
        await using var h = await ProxyHarness.StartAsync();
        var release = new TaskCompletionSource();
        h.Origin.HeldHalfway("/slow", "first half", "second hlf", release.Task);
        var tracker = h.Services.GetRequiredService<WaitUntilTracker>();

        using var response = await h.Client.GetAsync("/slow", HttpCompletionOption.ResponseHeadersRead);
        var pendingWhileStreaming = tracker.Pending;
        var draining = tracker.DrainAsync(CancellationToken.None);
        var drainedEarly = draining.IsCompleted;
        release.SetResult();
        var body = await response.Content.ReadAsStringAsync();
        await draining.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, pendingWhileStreaming);
        Assert.False(drainedEarly);
        Assert.Equal("first halfsecond hlf", body);
        Assert.Equal(0, tracker.Pending);
        Assert.Contains("hit", (await h.GetAsync("/slow")).CacheStatus());
    }
}
