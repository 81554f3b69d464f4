using System.Net;
using System.Net.Http.Headers;
using EdgeCache.AspNetCore.Admin;
using EdgeCache.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.AspNetCore.Tests;

/// <summary><see cref="IEdgeCachePurger"/> (every kind, soft) and the opt-in <c>MapEdgeCacheAdmin</c> with the server's token rules.</summary>
public sealed class PurgeTests
{
    private static async Task<WorkerHost> StartAsync(string? token = null)
    {
        var host = await WorkerHost.StartAsync(app =>
        {
            app.MapEdgeCacheAdmin(configure: o => o.Token = token);
            app.MapWorker(async e =>
            {
                var cache = e.Caches.Default;
                var response = await cache.MatchAsync(e.Request);
                if (response is null)
                {
                    response = await e.FetchAsync(e.Request);
                    response.AppendHeader("Cache-Tag", e.Url.AbsolutePath.Trim('/').Replace('/', '-'));
                    e.WaitUntil(cache.PutAsync(e.Request, response.Clone()));
                }

                return response;
            });
        });
        return host;
    }

    private static async Task<string?> StatusAsync(WorkerHost host, string path)
    {
        using var response = await host.Client.GetAsync(path);
        await host.DrainAsync();
        return response.GetHeader("cf-cache-status");
    }

    private static async Task WarmAsync(WorkerHost host, params string[] paths)
    {
        foreach (var path in paths)
        {
            Assert.Null(await StatusAsync(host, path));
            Assert.Equal("HIT", await StatusAsync(host, path));
        }
    }

    private static IEdgeCachePurger Purger(WorkerHost host) => host.App.Services.GetRequiredService<IEdgeCachePurger>();

    [Fact]
    public async Task Files_named_by_the_visitors_url_purge_the_entry_stored_under_the_origins_url()
    {
        await using var host = await StartAsync();
        await WarmAsync(host, "/a", "/b");

        var purged = await Purger(host).PurgeFilesAsync([new Uri(host.Client.BaseAddress!, "/a").ToString()]);

        Assert.Equal(1, purged);
        Assert.Null(await StatusAsync(host, "/a"));
        Assert.Equal("HIT", await StatusAsync(host, "/b"));
    }

    [Fact]
    public async Task Tags_prefixes_hosts_and_everything_each_purge_what_they_select()
    {
        await using var host = await StartAsync();
        var purger = Purger(host);
        await WarmAsync(host, "/blog/1", "/blog/2", "/shop/1", "/about");

        Assert.Equal(1, await purger.PurgeTagsAsync(["shop-1"]));
        Assert.Equal(2, await purger.PurgePrefixesAsync([$"127.0.0.1:{host.Client.BaseAddress!.Port}/blog/"]));
        Assert.Equal("HIT", await StatusAsync(host, "/about"));
        Assert.Equal(1, await purger.PurgeHostsAsync([host.Origin.BaseUri.Host]));
        await WarmAsync(host, "/about");
        Assert.Equal(1, await purger.PurgeEverythingAsync());
        Assert.Null(await StatusAsync(host, "/about"));
    }

    [Fact]
    public async Task A_soft_purge_marks_entries_stale_instead_of_removing_them()
    {
        await using var host = await StartAsync();
        await WarmAsync(host, "/soft");
        var store = host.App.Services.GetRequiredService<ICacheStore>();

        Assert.Equal(1, await Purger(host).PurgeTagsAsync(["soft"], soft: true));

        Assert.Equal(1, store.GetStatistics().Entries);
        Assert.Null(await StatusAsync(host, "/soft"));   // the Cache API never serves a stale entry
    }

    [Theory]
    [InlineData("/relative")]
    [InlineData("ftp://example.com/a")]
    [InlineData(" ")]
    public async Task A_file_that_is_not_an_absolute_http_url_is_refused(string url)
    {
        await using var host = await StartAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => Purger(host).PurgeFilesAsync([url]));
    }

    [Fact]
    public async Task The_admin_endpoint_without_a_token_purges_for_a_loopback_caller_and_explains_bad_bodies()
    {
        await using var host = await StartAsync();
        await WarmAsync(host, "/x");

        using var ok = await host.Client.PostAsync("/__edgecache/purge_cache", new StringContent("""{"purge_everything": true}"""));
        using var twoKinds = await host.Client.PostAsync("/__edgecache/purge_cache", new StringContent("""{"tags": ["a"], "hosts": ["b"]}"""));
        using var notJson = await host.Client.PostAsync("/__edgecache/purge_cache", new StringContent("purge!"));
        using var huge = await host.Client.PostAsync("/__edgecache/purge_cache", new ByteArrayContent(new byte[PurgeEndpoint.MaxBodyBytes + 1]));

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Contains("\"purged\":1", await ok.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, twoKinds.StatusCode);
        Assert.Contains("one kind at a time", await twoKinds.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        Assert.Equal(0, host.Origin.Hits("/__edgecache/purge_cache"));
    }

    [Fact]
    public async Task With_a_token_the_admin_endpoint_refuses_a_missing_or_wrong_token_and_purges_nothing()
    {
        await using var host = await StartAsync(token: "s3cret");
        await WarmAsync(host, "/guarded");

        using var missing = await host.Client.PostAsync("/__edgecache/purge_cache", new StringContent("""{"purge_everything": true}"""));
        using var wrong = await SendAsync(host, "Bearer s3cre");
        using var basic = await SendAsync(host, "Basic s3cret");
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, basic.StatusCode);
        Assert.Equal("HIT", await StatusAsync(host, "/guarded"));

        using var right = await SendAsync(host, "Bearer s3cret");
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Null(await StatusAsync(host, "/guarded"));
    }

    [Theory]
    [InlineData("10.0.0.7", false)]
    [InlineData("192.168.1.1", false)]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    public void Without_a_token_only_loopback_callers_are_allowed(string remote, bool allowed)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(remote);

        Assert.Equal(allowed, new AdminAuthorization(null).IsAllowed(context));
    }

    [Theory]
    [InlineData("X-Forwarded-For", "203.0.113.9")]
    [InlineData("Forwarded", "for=203.0.113.9")]
    [InlineData("X-Real-IP", "203.0.113.9")]
    public async Task Without_a_token_a_request_forwarded_by_a_local_proxy_is_refused(string header, string value)
    {
        await using var host = await StartAsync();
        await WarmAsync(host, "/proxied");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/__edgecache/purge_cache") { Content = new StringContent("""{"purge_everything": true}""") };
        request.Headers.TryAddWithoutValidation(header, value);

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("HIT", await StatusAsync(host, "/proxied"));
    }

    private static Task<HttpResponseMessage> SendAsync(WorkerHost host, string authorization)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/__edgecache/purge_cache") { Content = new StringContent("""{"purge_everything": true}""") };
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(authorization);
        return host.Client.SendAsync(request);
    }
}
