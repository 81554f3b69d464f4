using System.Collections.Concurrent;
using System.Diagnostics;
using EdgeCache.AspNetCore.Hosting;
using EdgeCache.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.AspNetCore.Tests;

public sealed class TracingTests
{
    [Fact]
    public async Task Lookup_origin_fetch_and_store_write_are_traced_under_the_EdgeCache_source()
    {
        var seen = new ConcurrentBag<(string Name, string? Url)>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == EdgeCacheTelemetry.Name,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => seen.Add((activity.OperationName, activity.GetTagItem("url.full") as string)),
        };
        ActivitySource.AddActivityListener(listener);

        await using var host = await WorkerHost.StartAsync(async e =>
        {
            var cache = e.Caches.Default;
            var key = e.Request.WithUrl(e.Request.RequestUri!);
            var response = await cache.MatchAsync(key);
            if (response is null)
            {
                response = await e.FetchAsync(e.Request);
                e.WaitUntil(cache.PutAsync(key, response.Clone()));
            }

            return response;
        });

        using var response = await host.Client.GetAsync("/traced");
        await response.Content.ReadAsStringAsync();
        await host.App.Services.GetRequiredService<WaitUntilTracker>().DrainAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains(seen, s => s.Name == "edgecache.lookup");
        Assert.Contains(seen, s => s.Name == "edgecache.origin.fetch" && s.Url == host.Origin.Url("/traced").AbsoluteUri);
        Assert.Contains(seen, s => s.Name == "edgecache.store.write");
    }
}
