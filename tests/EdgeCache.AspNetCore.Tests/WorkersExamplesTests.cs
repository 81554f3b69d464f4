using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace EdgeCache.AspNetCore.Tests;

/// <summary>
/// Three of Cloudflare's public Workers examples, translated statement for statement with no workaround:
/// "Cache POST requests", "Cache using fetch" and "Cache Tags using Workers" (with purge by tag).
/// </summary>
public sealed class WorkersExamplesTests
{
    [Fact]
    public async Task Cache_post_requests_by_the_hash_of_their_body()
    {
        await using var host = await WorkerHost.StartAsync(async e =>
        {
            var request = e.Request;
            if (request.Method == HttpMethod.Post)
            {
                var body = await request.TextAsync();                                    // await request.clone().text()
                var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
                var cacheUrl = new UriBuilder(e.Url) { Path = "/posts" + e.Url.AbsolutePath + hash }.Uri;
                var cacheKey = request.WithUrl(cacheUrl, HttpMethod.Get);                // new Request(cacheUrl, { headers, method: "GET" })
                var cache = e.Caches.Default;
                var response = await cache.MatchAsync(cacheKey);
                if (response is null)
                {
                    response = await e.FetchAsync(request);                              // the body is still there
                    e.WaitUntil(cache.PutAsync(cacheKey, response.Clone()));
                }

                return response;
            }

            return await e.FetchAsync(request);
        });
        host.Origin.Route("/search", async (ctx, hit) =>
        {
            var body = await new StreamReader(ctx.Request.Body).ReadToEndAsync();
            ctx.Response.Headers.CacheControl = "public, s-maxage=60";
            await ctx.Response.WriteAsync($"results for '{body}' v{hit}");
        });

        var first = await PostAsync(host, "/search", "shoes");
        await host.DrainAsync();
        var second = await PostAsync(host, "/search", "shoes");
        var other = await PostAsync(host, "/search", "hats");

        Assert.Equal(("results for 'shoes' v1", (string?)null), first);
        Assert.Equal(("results for 'shoes' v1", "HIT"), second);
        Assert.Equal(("results for 'hats' v2", (string?)null), other);
        Assert.Equal(2, host.Origin.Hits("/search"));
    }

    [Fact]
    public async Task Cache_using_fetch_with_cf_options_and_set_a_header_on_the_result()
    {
        await using var host = await WorkerHost.StartAsync(async e =>
        {
            var url = new UriBuilder(e.Url) { Scheme = e.Origin.Scheme, Host = e.Origin.Host, Port = e.Origin.Port }.Uri;   // url.hostname = ...
            var response = await e.FetchAsync(url.ToString(), new CacheFetchOptions
            {
                CacheTtl = TimeSpan.FromSeconds(5),
                CacheEverything = true,
                CacheKey = url.GetLeftPart(UriPartial.Path),
            });
            response.SetHeader("Cache-Control", "max-age=1500");                         // response.headers.set(...)
            return response;
        });

        using var first = await host.Client.GetAsync("/page?utm=a");
        await host.DrainAsync();
        using var second = await host.Client.GetAsync("/page?utm=b");

        Assert.Equal("MISS", first.GetHeader("cf-cache-status"));
        Assert.Equal("HIT", second.GetHeader("cf-cache-status"));
        Assert.Equal("max-age=1500", second.GetHeader("Cache-Control"));
        Assert.Equal("/page v1", await second.Content.ReadAsStringAsync());
        Assert.Equal(1, host.Origin.Hits("/page"));
    }

    [Fact]
    public async Task Cache_tags_then_purge_by_tag_through_the_admin_endpoint()
    {
        await using var host = await WorkerHost.StartAsync(app =>
        {
            app.MapEdgeCacheAdmin();
            app.MapWorker(async e =>
            {
                var query = QueryHelpers.ParseQuery(e.Url.Query);
                var tags = query.TryGetValue("tags", out var t) ? t.ToString().Split(',') : [];
                var url = query.TryGetValue("uri", out var u) ? JsonSerializer.Deserialize<string>(u.ToString()) : string.Empty;
                if (string.IsNullOrEmpty(url))
                {
                    return EdgeResponse.Json(new { error = "URL cannot be empty" }, HttpStatusCode.BadRequest);
                }

                using var result = await e.FetchAsync(url, new CacheFetchOptions { CacheTags = tags });
                return EdgeResponse.Json(new
                {
                    cacheStatus = result.GetHeader("cf-cache-status"),                  // result.headers.get(...)
                    lastModified = result.GetHeader("last-modified"),
                });
            });
        });
        host.Origin.Fixed("/article", "text", ("Cache-Control", "public, max-age=60"), ("Last-Modified", "Tue, 01 Dec 2026 10:00:00 GMT"));
        var ask = $"/?uri={Uri.EscapeDataString(JsonSerializer.Serialize(host.Origin.Url("/article").ToString()))}&tags=news,sport";

        Assert.Equal("""{"cacheStatus":"MISS","lastModified":"Tue, 01 Dec 2026 10:00:00 GMT"}""", await host.Client.GetStringAsync(ask));
        await host.DrainAsync();
        Assert.Equal("""{"cacheStatus":"HIT","lastModified":"Tue, 01 Dec 2026 10:00:00 GMT"}""", await host.Client.GetStringAsync(ask));

        using var purge = await host.Client.PostAsync("/__edgecache/purge_cache", new StringContent("""{"tags": ["sport"]}"""));
        Assert.Equal(HttpStatusCode.OK, purge.StatusCode);
        Assert.Contains("\"purged\":1", await purge.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("\"cacheStatus\":\"MISS\"", await host.Client.GetStringAsync(ask), StringComparison.Ordinal);

        using var empty = await host.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal("""{"error":"URL cannot be empty"}""", await empty.Content.ReadAsStringAsync());
        Assert.Equal("application/json", empty.Content.Headers.ContentType?.MediaType);
    }

    private static async Task<(string Body, string? CacheStatus)> PostAsync(WorkerHost host, string path, string body)
    {
        using var response = await host.Client.PostAsync(path, new StringContent(body));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadAsStringAsync(), response.GetHeader("cf-cache-status"));
    }
}
