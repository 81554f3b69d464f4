using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using EdgeCache.Testing;

namespace EdgeCache.Server.Tests.Admin;

public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_after_known_traffic_count_hits_misses_and_bytes()
    {
        await using var origin = await TestOrigin.StartAsync();
        var adminPort = ServerProcess.FreePort();
        await using var server = await ServerProcess.StartAsync(
            ["--origin", origin.BaseUri.ToString(), "--handler", "example", "--store", "memory",
             "--admin-listen", $"http://127.0.0.1:{adminPort}", "--admin-token", "t0ken"]);
        using var client = new HttpClient { BaseAddress = server.BaseUri };

        // One miss, then three hits of a 5-byte body ("/m v1"); one more miss of another path.
        (await client.GetAsync("/m")).EnsureSuccessStatusCode();
        await Task.Delay(300);
        for (var i = 0; i < 3; i++)
        {
            using var hit = await client.GetAsync("/m");
            Assert.Equal("HIT", hit.Headers.GetValues("cf-cache-status").Single());
        }

        (await client.GetAsync("/other")).EnsureSuccessStatusCode();

        using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{adminPort}") };
        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.GetAsync("/metrics")).StatusCode);
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "t0ken");

        // The exporter caches a scrape briefly: retry until the counts are in (bounded).
        string text = string.Empty;
        for (var attempt = 0; attempt < 20; attempt++)
        {
            text = await admin.GetStringAsync("/metrics");
            if (Value(text, "edgecache_requests_total", "cache_status=\"HIT\"") == 3)
            {
                break;
            }

            await Task.Delay(500);
        }

        Assert.Equal(3, Value(text, "edgecache_requests_total", "cache_status=\"HIT\""));
        Assert.Equal(2, Value(text, "edgecache_requests_total", "cache_status=\"DYNAMIC\""));
        Assert.Equal(15, Value(text, "edgecache_response_bytes_total", "source=\"cache\""));
        Assert.Equal(2, Value(text, "edgecache_origin_duration_seconds_count", null));
        Assert.Equal(2, Value(text, "edgecache_store_entries", "tier=\"memory\""));
    }

    [Fact]
    public async Task A_tiered_store_reports_each_tier_and_origin_durations_fall_in_second_buckets()
    {
        await using var origin = await TestOrigin.StartAsync();
        var data = Path.Combine(Path.GetTempPath(), "edgecache-metrics-" + Guid.NewGuid().ToString("N"));
        var adminPort = ServerProcess.FreePort();
        try
        {
            await using var server = await ServerProcess.StartAsync(
                ["--origin", origin.BaseUri.ToString(), "--store", "tiered", "--data-dir", data,
                 "--admin-listen", $"http://127.0.0.1:{adminPort}"]);
            using var client = new HttpClient { BaseAddress = server.BaseUri };
            (await client.GetAsync("/t")).EnsureSuccessStatusCode();

            using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{adminPort}") };
            string text = string.Empty;
            for (var attempt = 0; attempt < 20; attempt++)
            {
                text = await admin.GetStringAsync("/metrics");
                if (Value(text, "edgecache_store_entries", "tier=\"disk\"") == 1)
                {
                    break;
                }

                await Task.Delay(500);
            }

            Assert.Equal(1, Value(text, "edgecache_store_entries", "tier=\"memory\""));
            Assert.Equal(1, Value(text, "edgecache_store_entries", "tier=\"disk\""));
            Assert.Equal(-1, Value(text, "edgecache_store_entries", "tier=\"tiered\""));

            // The bounds are in seconds: a loopback round trip lands in the 10 s bucket, a 1 s bucket exists,
            // and the millisecond bounds (le="5000", le="10000") are gone. (Whether the one request lands below
            // 1 s depends on the machine's load: a cold server's first fill took more than a second once.)
            Assert.InRange(Value(text, "edgecache_origin_duration_seconds_bucket", "le=\"1\""), 0, 1);
            Assert.Equal(1, Value(text, "edgecache_origin_duration_seconds_bucket", "le=\"10\""));
            Assert.Equal(-1, Value(text, "edgecache_origin_duration_seconds_bucket", "le=\"10000\""));
            Assert.Equal(-1, Value(text, "edgecache_origin_duration_seconds_bucket", "le=\"5000\""));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static double Value(string exposition, string metric, string? label)
    {
        foreach (var line in exposition.Split('\n'))
        {
            var match = Regex.Match(line, $"^{metric}(\\{{(?<labels>[^}}]*)\\}})? (?<value>[0-9.eE+-]+)");
            if (match.Success && (label is null || match.Groups["labels"].Value.Contains(label, StringComparison.Ordinal)))
            {
                return double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }
}
