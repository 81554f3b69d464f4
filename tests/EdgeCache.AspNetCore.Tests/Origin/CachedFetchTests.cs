using EdgeCache.AspNetCore.Hosting;
using EdgeCache.Storage;
using EdgeCache.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.AspNetCore.Tests.Origin;

/// <summary>
/// A worker's fetch with Cloudflare's cache options, through a real Kestrel in front of a raw-socket origin:
/// what <c>cacheEverything</c> changes, and that <c>Cache-Tag</c> reaches neither the worker nor the client.
/// </summary>
public sealed class CachedFetchTests : IAsyncLifetime
{
    private const string Bare = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Type: text/html\r\n\r\nbody";

    private readonly RawSocketOrigin _origin = RawSocketOrigin.Start();
    private WorkerHost? _host;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await _origin.DisposeAsync();
    }

    private async Task<WorkerHost> StartAsync(CacheFetchOptions cf, bool exposeCacheTags = false, List<string>? tagsSeenByWorker = null)
    {
        _host = await WorkerHost.StartAsync(
            async e =>
            {
                var response = await e.FetchAsync(e.Request, cf);
                tagsSeenByWorker?.Add(response.Headers.TryGetValues("Cache-Tag", out var tags) ? string.Join(",", tags) : string.Empty);
                return response;
            },
            o =>
            {
                o.Origin = _origin.BaseUri;
                o.ExposeCacheTags = exposeCacheTags;
            });
        return _host;
    }

    private async Task<(string? CacheStatus, string? CacheTag, string Body)> GetAsync(string path)
    {
        using var response = await _host!.Client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        await _host.App.Services.GetRequiredService<WaitUntilTracker>().DrainAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        return (
            response.Headers.TryGetValues("cf-cache-status", out var status) ? status.Single() : null,
            response.Headers.TryGetValues("Cache-Tag", out var tag) ? string.Join(",", tag) : null,
            body);
    }

    [Theory]
    [InlineData("/page")]
    [InlineData("/api/items.json")]
    [InlineData("/index.html")]
    public async Task Without_cacheEverything_a_response_without_freshness_on_a_non_static_path_is_DYNAMIC_and_not_stored(string path)
    {
        await StartAsync(new CacheFetchOptions { CacheTags = ["t"] });
        _origin.Answer(path, Bare);

        var first = await GetAsync(path);
        var second = await GetAsync(path);

        Assert.Equal(("DYNAMIC", "body"), (first.CacheStatus, first.Body));
        Assert.Equal(("DYNAMIC", "body"), (second.CacheStatus, second.Body));
        Assert.Equal(2, _origin.For(path).Count);
    }

    [Theory]
    [InlineData("/app.css")]
    [InlineData("/img/logo.PNG")]
    [InlineData("/fonts/a.woff2")]
    public async Task Without_cacheEverything_a_default_static_extension_is_cached_with_the_default_edge_TTL(string path)
    {
        await StartAsync(new CacheFetchOptions { CacheTags = ["t"] });
        _origin.Answer(path, Bare);

        var first = await GetAsync(path);
        var second = await GetAsync(path);

        Assert.Equal("MISS", first.CacheStatus);
        Assert.Equal(("HIT", "body"), (second.CacheStatus, second.Body));
        Assert.Single(_origin.For(path));
    }

    [Fact]
    public async Task Without_cacheEverything_the_origin_s_own_max_age_is_still_followed_on_any_path()
    {
        await StartAsync(new CacheFetchOptions { CacheTags = ["t"] });
        _origin.Answer("/page", "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nCache-Control: public, max-age=60\r\n\r\nbody");

        await GetAsync("/page");
        var second = await GetAsync("/page");

        Assert.Equal("HIT", second.CacheStatus);
        Assert.Single(_origin.For("/page"));
    }

    [Fact]
    public async Task With_cacheEverything_a_response_without_freshness_on_any_path_is_cached()
    {
        await StartAsync(new CacheFetchOptions { CacheEverything = true });
        _origin.Answer("/page", Bare);

        var first = await GetAsync("/page");
        var second = await GetAsync("/page");

        Assert.Equal("MISS", first.CacheStatus);
        Assert.Equal(("HIT", "body"), (second.CacheStatus, second.Body));
        Assert.Single(_origin.For("/page"));
    }

    [Fact]
    public async Task With_cacheEverything_the_origin_s_no_store_is_still_respected()
    {
        await StartAsync(new CacheFetchOptions { CacheEverything = true });
        _origin.Answer("/page", "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nCache-Control: no-store\r\n\r\nbody");

        await GetAsync("/page");
        var second = await GetAsync("/page");

        Assert.NotEqual("HIT", second.CacheStatus);
        Assert.Equal(2, _origin.For("/page").Count);
    }

    [Fact]
    public async Task Tags_from_the_options_and_the_origin_reach_neither_the_worker_nor_the_client_yet_purge_the_entry()
    {
        var seen = new List<string>();
        await StartAsync(new CacheFetchOptions { CacheTtl = TimeSpan.FromMinutes(1), CacheTags = ["catalog"] }, tagsSeenByWorker: seen);
        _origin.Answer("/tagged", "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nCache-Tag: item-7\r\n\r\nbody");

        var miss = await GetAsync("/tagged");
        var hit = await GetAsync("/tagged");

        Assert.Equal(("MISS", null), (miss.CacheStatus, miss.CacheTag));
        Assert.Equal(("HIT", null), (hit.CacheStatus, hit.CacheTag));
        Assert.Equal(["", ""], seen);

        var store = _host!.App.Services.GetRequiredService<ICacheStore>();
        Assert.Equal(1, await store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "item-7")));
        await GetAsync("/tagged");
        Assert.Equal(1, await store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "catalog")));
    }

    [Fact]
    public async Task A_Cache_Tag_a_worker_sets_on_its_own_response_does_not_reach_the_client()
    {
        _host = await WorkerHost.StartAsync(_ =>
        {
            var response = new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent("made here") };
            response.Headers.TryAddWithoutValidation("Cache-Tag", "secret-tenant-42");
            return Task.FromResult(response);
        });

        var answer = await GetAsync("/any");

        Assert.Equal(("made here", null), (answer.Body, answer.CacheTag));
    }

    [Fact]
    public async Task ExposeCacheTags_lets_the_tags_through_for_debugging()
    {
        await StartAsync(new CacheFetchOptions { CacheTtl = TimeSpan.FromMinutes(1), CacheTags = ["catalog"] }, exposeCacheTags: true);
        _origin.Answer("/tagged", "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nCache-Tag: item-7\r\n\r\nbody");

        var miss = await GetAsync("/tagged");
        var hit = await GetAsync("/tagged");

        Assert.Equal(["item-7", "catalog"], Tags(miss.CacheTag));
        Assert.Equal("HIT", hit.CacheStatus);
        Assert.Equal(["item-7", "catalog"], Tags(hit.CacheTag));
    }

    private static string[] Tags(string? field) => field?.Split(',', StringSplitOptions.TrimEntries) ?? [];
}
