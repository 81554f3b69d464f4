using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EdgeCache.Testing;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Server.Tests.Admin;

/// <summary>The purge API over a real server; run once per store (memory, disk, tiered).</summary>
public abstract class PurgeApiTests : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "edgecache-purge-" + Guid.NewGuid().ToString("N"));

    /// <summary>The --store the server runs with.</summary>
    protected abstract string Store { get; }

    private TestOrigin _origin = null!;
    private InProcessServer _server = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        foreach (var (path, tag) in new[] { ("/t/a", "red"), ("/t/b", "red, blue"), ("/t/c", "blue") })
        {
            _origin.Route(path, async (ctx, hit) =>
            {
                ctx.Response.Headers["Cache-Tag"] = tag;
                await ctx.Response.WriteAsync($"{path} v{hit}");
            });
        }

        _server = await InProcessServer.StartAsync(new Dictionary<string, string?>
        {
            ["Origin"] = _origin.BaseUri.ToString(),
            ["Handler"] = "example",
            ["AdminToken"] = "s3cret",
            ["Store"] = Store,
            ["DataDir"] = _dataDir,
        });
        _admin = new HttpClient { BaseAddress = _server.AdminUri, Timeout = TimeSpan.FromSeconds(30) };
        _admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret");
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _server.DisposeAsync();
        await _origin.DisposeAsync();
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    private async Task WarmAsync(params string[] paths)
    {
        foreach (var path in paths)
        {
            using var response = await _server.Client.GetAsync(path);
            response.EnsureSuccessStatusCode();
        }

        await _server.DrainAsync();
        foreach (var path in paths)
        {
            Assert.True(await IsHitAsync(path), $"{path} should be cached before the purge");
        }
    }

    private async Task<bool> IsHitAsync(string path)
    {
        using var response = await _server.Client.GetAsync(path);
        await _server.DrainAsync();
        return response.Headers.TryGetValues("cf-cache-status", out var status) && status.Single() == "HIT";
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> PurgeAsync(string json, HttpClient? client = null)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await (client ?? _admin).PostAsync("/purge_cache", content);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        return (response.StatusCode, body);
    }

    [Fact]
    public async Task Purge_by_file_removes_that_url_only()
    {
        await WarmAsync("/f/a", "/f/b");

        var (status, body) = await PurgeAsync($$"""{"files": ["{{new Uri(_server.BaseUri, "/f/a")}}"]}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("success").GetBoolean());
        Assert.Equal(1, body.GetProperty("result").GetProperty("purged").GetInt64());
        Assert.False(await IsHitAsync("/f/a"));
        Assert.True(await IsHitAsync("/f/b"));
    }

    [Fact]
    public async Task Purge_by_file_accepts_the_origin_url_and_the_object_form()
    {
        await WarmAsync("/f/c");

        var (status, _) = await PurgeAsync($$$"""{"files": [{"url": "{{{_origin.Url("/f/c")}}}", "headers": {"Accept-Encoding": "gzip"}}]}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(await IsHitAsync("/f/c"));
    }

    [Fact]
    public async Task Purge_by_tag_removes_every_entry_carrying_the_tag()
    {
        await WarmAsync("/t/a", "/t/b", "/t/c");

        var (status, body) = await PurgeAsync("""{"tags": ["red"]}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, body.GetProperty("result").GetProperty("purged").GetInt64());
        Assert.False(await IsHitAsync("/t/a"));
        Assert.False(await IsHitAsync("/t/b"));
        Assert.True(await IsHitAsync("/t/c"));
    }

    [Fact]
    public async Task Purge_by_prefix_without_a_scheme_removes_the_matching_paths()
    {
        await WarmAsync("/blog/1", "/blog/2", "/shop/1");

        var (status, _) = await PurgeAsync($$"""{"prefixes": ["{{_server.BaseUri.Authority}}/blog/"]}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(await IsHitAsync("/blog/1"));
        Assert.False(await IsHitAsync("/blog/2"));
        Assert.True(await IsHitAsync("/shop/1"));
    }

    [Fact]
    public async Task Purge_by_host_and_purge_everything_remove_all_entries_of_the_host()
    {
        await WarmAsync("/h/1", "/h/2");
        var (status, _) = await PurgeAsync($$"""{"hosts": ["{{_server.BaseUri.Host}}"]}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(await IsHitAsync("/h/1"));
        Assert.False(await IsHitAsync("/h/2"));

        await WarmAsync("/e/1", "/e/2");
        (status, _) = await PurgeAsync("""{"purge_everything": true}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(await IsHitAsync("/e/1"));
        Assert.False(await IsHitAsync("/e/2"));
    }

    [Fact]
    public async Task A_soft_purge_marks_entries_stale_so_the_Cache_API_no_longer_matches_them()
    {
        await WarmAsync("/s/1");

        var (status, body) = await PurgeAsync("""{"purge_everything": true, "soft": true}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("result").GetProperty("purged").GetInt64() >= 1);
        Assert.False(await IsHitAsync("/s/1"));
        Assert.Equal(2, _origin.Hits("/s/1"));
    }

    [Fact]
    public async Task Without_a_valid_token_the_purge_is_refused_with_401_and_nothing_is_purged()
    {
        await WarmAsync("/auth/1");
        using var anonymous = new HttpClient { BaseAddress = _server.AdminUri };
        using var wrong = new HttpClient { BaseAddress = _server.AdminUri };
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "guess");

        Assert.Equal(HttpStatusCode.Unauthorized, (await PurgeAsync("""{"purge_everything": true}""", anonymous)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PurgeAsync("""{"purge_everything": true}""", wrong)).Status);
        Assert.True(await IsHitAsync("/auth/1"));
    }

    // Found by the purge-json fuzz target: invalid UTF-8 inside a JSON string threw from GetString (a 500).
    [Fact]
    public async Task A_body_with_invalid_utf8_in_a_string_gets_400_and_purges_nothing()
    {
        await WarmAsync("/utf8/a");
        using var content = new ByteArrayContent([.. "{\"hosts\": [\"CO"u8, 0xAB, .. "\"]}"u8]);
        content.Headers.ContentType = new("application/json");

        using var response = await _admin.PostAsync("/purge_cache", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("UTF-8", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(await IsHitAsync("/utf8/a"));
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[1,2]", "JSON object")]
    [InlineData("{}", "Say what to purge")]
    [InlineData("""{"files": []}""", "non-empty array")]
    [InlineData("""{"files": ["/relative"]}""", "absolute")]
    [InlineData("""{"tags": ["a"], "hosts": ["b"]}""", "one kind at a time")]
    [InlineData("""{"purge_everything": false}""", "must be true")]
    [InlineData("""{"everything": true}""", "Unknown field")]
    [InlineData("""{"tags": [1]}""", "non-empty string")]
    public async Task A_malformed_body_gets_400_with_a_clear_message(string json, string expected)
    {
        var (status, body) = await PurgeAsync(json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.False(body.GetProperty("success").GetBoolean());
        Assert.Contains(expected, body.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_endpoints_answer_without_a_token()
    {
        using var anonymous = new HttpClient { BaseAddress = _server.AdminUri };
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/stats")).StatusCode);
    }

    [Fact]
    public async Task Admin_routes_are_not_reachable_through_the_public_listener()
    {
        using var content = new StringContent("""{"purge_everything": true}""");
        using var response = await _server.Client.PostAsync("/purge_cache", content);
        Assert.Equal(1, _origin.Hits("/purge_cache"));
    }
}

public sealed class PurgeApiOnMemoryTests : PurgeApiTests
{
    protected override string Store => "memory";
}

public sealed class PurgeApiOnDiskTests : PurgeApiTests
{
    protected override string Store => "disk";
}

public sealed class PurgeApiOnTieredTests : PurgeApiTests
{
    protected override string Store => "tiered";
}
