using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using EdgeCache.Server.Tests.StatusPage;
using EdgeCache.Testing;
using Xunit.Abstractions;

namespace EdgeCache.Server.Tests.Admin;

/// <summary>
/// The status page end to end: known traffic through a real server, then the page in headless
/// Chromium (check-status-page.mjs) reporting what it shows; screenshots go to bin/.../StatusPage/.
/// </summary>
public sealed class StatusPageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Token = "s3cret";
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "edgecache-status-page-" + Guid.NewGuid().ToString("N"));
    private TestOrigin _origin = null!;
    private InProcessServer _server = null!;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _server = await InProcessServer.StartAsync(new Dictionary<string, string?>
        {
            ["Origin"] = _origin.BaseUri.ToString(),
            ["Handler"] = "example",
            ["AdminToken"] = Token,
            ["Store"] = "tiered",
            ["DataDir"] = _dataDir,
        });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _origin.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    public async Task The_page_shows_the_hit_ratio_top_url_and_entries_of_known_traffic()
    {
        // One miss and three hits on /page, one miss on /other: 3 of 5 requests from the cache.
        await GetAsync("/page", expectHit: false);
        for (var i = 0; i < 3; i++)
        {
            await GetAsync("/page", expectHit: true);
        }

        await GetAsync("/other", expectHit: false);

        var report = await StatusPageBrowser.RunAsync(_server.AdminUri, Token, "status-page.png", output: output);

        // Before the token was entered the page showed the prompt and none of the figures.
        var before = report.GetProperty("beforeToken");
        Assert.True(before.GetProperty("tokenPanelVisible").GetBoolean());
        Assert.False(before.GetProperty("dashboardVisible").GetBoolean());
        var lockedText = before.GetProperty("text").GetString()!;
        Assert.DoesNotContain("/page", lockedText, StringComparison.Ordinal);
        Assert.DoesNotContain(_origin.BaseUri.Authority, lockedText, StringComparison.Ordinal);
        Assert.DoesNotContain("60.0%", lockedText, StringComparison.Ordinal);

        var seen = report.GetProperty("seen");
        Assert.Equal("60.0%", seen.GetProperty("hitRatio").GetString());
        Assert.Equal("3 of 5 requests from the cache", seen.GetProperty("hitDetail").GetString());
        Assert.Equal("5", seen.GetProperty("requests").GetString());
        Assert.Equal("2", seen.GetProperty("entries").GetString());
        Assert.Equal("0", seen.GetProperty("waitUntil").GetString());

        var topKeys = seen.GetProperty("topKeys");
        Assert.Equal(2, topKeys.GetArrayLength());
        Assert.Equal(new Uri(_server.BaseUri, "/page").ToString(), topKeys[0].GetProperty("url").GetString());
        Assert.Equal("4", topKeys[0].GetProperty("count").GetString());
        Assert.Equal(new Uri(_server.BaseUri, "/other").ToString(), topKeys[1].GetProperty("url").GetString());
        Assert.Equal("1", topKeys[1].GetProperty("count").GetString());

        // One row per tier of the default store (memory over disk), not one "tiered" row.
        var tiers = seen.GetProperty("tiers").EnumerateArray().ToArray();
        Assert.Equal(["memory", "disk"], tiers.Select(t => t.GetProperty("name").GetString()));
        Assert.All(tiers, t => Assert.Equal("2", t.GetProperty("entries").GetString()));

        // At 1280 px every table fits inside its card: no column is cut off.
        Assert.Empty(seen.GetProperty("overflowingTables").EnumerateArray());
        var worst = report.GetProperty("worstCaseStore");
        Assert.True(worst.GetProperty("fits").GetBoolean(), $"the store table with a busy node's figures is cut off: {worst}");

        var statuses = seen.GetProperty("statuses").EnumerateArray().ToDictionary(s => s.GetProperty("status").GetString()!, s => s.GetProperty("count").GetString());
        Assert.Equal("3", statuses["HIT"]);
        Assert.Equal("2", statuses["DYNAMIC"]);

        // The traffic fell into one or two 5-second buckets; each with traffic is a point on the chart.
        Assert.InRange(seen.GetProperty("chartPoints").GetInt32(), 1, 2);
        Assert.Equal(seen.GetProperty("chartPoints").GetInt32(), seen.GetProperty("chartDots").GetInt32());

        // Self-contained: nothing was loaded from anywhere but the admin listener, and the script ran cleanly
        // (the one expected console error is the 401 before the token was entered).
        Assert.Empty(report.GetProperty("foreignRequests").EnumerateArray());
        Assert.All(report.GetProperty("problems").EnumerateArray(), p => Assert.Contains("401", p.GetString(), StringComparison.Ordinal));
        Assert.True(new FileInfo(Path.Combine(StatusPageBrowser.ScreenshotFolder, "status-page.png")).Length > 10_000);
    }

    [Fact]
    public async Task The_purge_form_purges_a_url_so_its_next_request_is_a_miss()
    {
        await GetAsync("/purge-me", expectHit: false);
        await GetAsync("/purge-me", expectHit: true);
        await GetAsync("/keep-me", expectHit: false);
        await GetAsync("/keep-me", expectHit: true);

        var report = await StatusPageBrowser.RunAsync(
            _server.AdminUri, Token, "status-page-purge.png", purgeUrl: new Uri(_server.BaseUri, "/purge-me").ToString(), output: output);

        Assert.Equal("Purged 1 entry.", report.GetProperty("purge").GetProperty("result").GetString());

        // The other entry is still stored (the example caches for 10 s, shorter than a browser run, so
        // a hit cannot show it); the purged URL goes back to the origin.
        using var admin = new HttpClient { BaseAddress = _server.AdminUri };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var stats = JsonDocument.Parse(await admin.GetStringAsync("/stats")).RootElement;
        Assert.Equal(1, stats.GetProperty("entries").GetInt64());
        await GetAsync("/purge-me", expectHit: false);
        Assert.Equal(2, _origin.Hits("/purge-me"));
    }

    [Fact]
    public async Task Status_json_needs_the_token_while_the_page_shell_loads_without_it_and_forbids_outside_resources()
    {
        using var anonymous = new HttpClient { BaseAddress = _server.AdminUri };
        using var json = await anonymous.GetAsync("/status.json");
        Assert.Equal(HttpStatusCode.Unauthorized, json.StatusCode);
        Assert.DoesNotContain(_origin.BaseUri.Authority, await json.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        foreach (var path in new[] { "/", "/status", "/status.js", "/status.css" })
        {
            using var asset = await anonymous.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
            var policy = string.Join(' ', asset.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
            Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
            var body = await asset.Content.ReadAsStringAsync();
            Assert.DoesNotContain("https://", body.Replace("https://example.com/path", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        }

        using var page = await anonymous.GetAsync("/status");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);

        using var authorized = new HttpClient { BaseAddress = _server.AdminUri };
        authorized.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var data = await authorized.GetAsync("/status.json");
        Assert.Equal(HttpStatusCode.OK, data.StatusCode);
        var report = JsonDocument.Parse(await data.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(5, report.GetProperty("bucket_seconds").GetInt32());
        Assert.Equal(_origin.BaseUri.ToString(), report.GetProperty("origin").GetString());
    }

    private async Task GetAsync(string path, bool expectHit)
    {
        using var response = await _server.Client.GetAsync(path);
        response.EnsureSuccessStatusCode();
        await _server.DrainAsync();
        var hit = response.Headers.TryGetValues("cf-cache-status", out var status) && status.Single() == "HIT";
        Assert.True(hit == expectHit, $"{path}: expected {(expectHit ? "a hit" : "a miss")}, got cf-cache-status {(status is null ? "(none)" : string.Join(",", status))}");
    }
}

/// <summary>Origin figures in <c>/status.json</c>, from a server in its own process (the origin meter is process-wide).</summary>
public sealed class StatusOriginHealthTests
{
    [Fact]
    public async Task Origin_failures_show_in_status_json_with_their_count_and_kind()
    {
        var deadOrigin = $"http://127.0.0.1:{ServerProcess.FreePort()}";
        var adminPort = ServerProcess.FreePort();
        await using var server = await ServerProcess.StartAsync(
            ["--origin", deadOrigin, "--handler", "example", "--store", "memory", "--admin-listen", $"http://127.0.0.1:{adminPort}"]);
        using var client = new HttpClient { BaseAddress = server.BaseUri, Timeout = TimeSpan.FromSeconds(30) };

        for (var i = 0; i < 2; i++)
        {
            using var response = await client.GetAsync("/down");
            Assert.False(response.IsSuccessStatusCode);
        }

        using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{adminPort}"), Timeout = TimeSpan.FromSeconds(30) };
        var report = JsonDocument.Parse(await admin.GetStringAsync("/status.json")).RootElement;
        var origin = report.GetProperty("origin_health");

        Assert.Equal(2, origin.GetProperty("round_trips").GetInt64());
        Assert.Equal(2, origin.GetProperty("errors").GetInt64());
        Assert.Equal("ConnectionError", origin.GetProperty("last_error").GetProperty("type").GetString());
        Assert.Equal(2, report.GetProperty("requests").GetInt64());
        Assert.Equal(0, report.GetProperty("cached").GetInt64());
    }
}
