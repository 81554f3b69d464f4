using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using EdgeCache.AspNetCore.Proxy;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.AspNetCore.Tests;

/// <summary>
/// <see cref="IEdgeCacheFeature"/> tells middleware after <c>await next()</c> what the cache did, as an enum,
/// for the caching proxy and for a worker alike, on a real Kestrel, one request after another on one
/// connection (the feature object is reused per connection and must not carry a request's status into the next).
/// </summary>
public sealed class EdgeCacheFeatureTests
{
    private readonly ConcurrentQueue<(string Path, EdgeCacheStatus Status, string? Key, string? Header)> _seen = new();

    [Fact]
    public async Task The_proxy_reports_miss_then_hit_with_the_store_key_and_an_uncached_request_reports_its_own_status()
    {
        await using var host = await WorkerHost.StartAsync(app =>
        {
            app.Use(RecordFeatureAsync);
            app.MapCachingProxy();
        });
        host.Origin.Fixed("/cached", "body", ("Cache-Control", "public, max-age=60"));
        host.Origin.Fixed("/private", "mine", ("Cache-Control", "private"));

        foreach (var path in new[] { "/cached", "/cached", "/private" })
        {
            using var response = await host.Client.GetAsync(new Uri(path, UriKind.Relative));
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsStringAsync();
        }

        await host.Client.PostAsync(new Uri("/cached", UriKind.Relative), new StringContent("x"));

        var seen = _seen.ToArray();
        Assert.Equal(4, seen.Length);
        Assert.Equal(("/cached", EdgeCacheStatus.Miss), (seen[0].Path, seen[0].Status));
        Assert.Equal(("/cached", EdgeCacheStatus.Hit), (seen[1].Path, seen[1].Status));
        Assert.Equal(seen[0].Key, seen[1].Key);
        Assert.EndsWith("/cached", seen[1].Key, StringComparison.Ordinal);
        Assert.Equal(EdgeCacheStatus.Bypass, seen[2].Status);
        Assert.Equal(EdgeCacheStatus.Dynamic, seen[3].Status);
        Assert.All(seen, s => Assert.Equal(EdgeCacheStatusNames.Parse(s.Header), s.Status));
    }

    [Fact]
    public async Task A_worker_reports_the_status_of_the_response_it_returns()
    {
        await using var host = await WorkerHost.StartAsync(app =>
        {
            app.Use(RecordFeatureAsync);
            app.MapWorker(async e =>
            {
                if (e.Request.RequestUri!.AbsolutePath == "/made")
                {
                    return new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent("made here") };
                }

                var cached = await e.Caches.Default.MatchAsync("https://example.com/k");
                if (cached is not null)
                {
                    return cached;
                }

                var stored = new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent("stored") };
                stored.Headers.TryAddWithoutValidation("Cache-Control", "s-maxage=60");
                await e.Caches.Default.PutAsync("https://example.com/k", stored);
                return new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent("put") };
            });
        });

        foreach (var path in new[] { "/made", "/k", "/k", "/made" })
        {
            using var response = await host.Client.GetAsync(new Uri(path, UriKind.Relative));
            response.EnsureSuccessStatusCode();
        }

        Assert.Equal(
            [EdgeCacheStatus.None, EdgeCacheStatus.None, EdgeCacheStatus.Hit, EdgeCacheStatus.None],
            _seen.Select(s => s.Status).ToArray());
    }

    [Theory]
    [InlineData("HIT", EdgeCacheStatus.Hit)]
    [InlineData("MISS", EdgeCacheStatus.Miss)]
    [InlineData("EXPIRED", EdgeCacheStatus.Expired)]
    [InlineData("STALE", EdgeCacheStatus.Stale)]
    [InlineData("UPDATING", EdgeCacheStatus.Updating)]
    [InlineData("REVALIDATED", EdgeCacheStatus.Revalidated)]
    [InlineData("BYPASS", EdgeCacheStatus.Bypass)]
    [InlineData("DYNAMIC", EdgeCacheStatus.Dynamic)]
    [InlineData("hit", EdgeCacheStatus.Other)]
    [InlineData("", EdgeCacheStatus.None)]
    public void Every_spelling_reads_back_as_its_status_and_writes_as_itself(string value, EdgeCacheStatus status)
    {
        Assert.Equal(status, EdgeCacheStatusNames.Parse(value));
        if (status is not (EdgeCacheStatus.None or EdgeCacheStatus.Other))
        {
            Assert.Equal(value, status.ToHeaderValue());
        }
    }

    private async Task RecordFeatureAsync(HttpContext context, RequestDelegate next)
    {
        await next(context);
        var feature = context.Features.Get<IEdgeCacheFeature>();
        var header = context.Response.Headers[EdgeCacheStatusNames.Header];
        _seen.Enqueue((context.Request.Path.Value!, feature?.Status ?? EdgeCacheStatus.None, feature?.Key, header.Count > 0 ? header[0] : null));
    }
}
