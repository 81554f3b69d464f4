using System.Net;
using EdgeCache.Testing;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Server.Tests;

/// <summary>
/// <c>edgecache --handler example</c> against a real origin: spec items that only show through the
/// whole server (the fetch redirect mode, HEAD and POST, a throwing put inside waitUntil).
/// </summary>
public sealed class ExampleHandlerSpecTests : IAsyncLifetime
{
    private TestOrigin _origin = null!;
    private InProcessServer _server = null!;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _server = await InProcessServer.StartAsync(new Dictionary<string, string?>
        {
            ["Origin"] = _origin.BaseUri.ToString(),
            ["Handler"] = "example",
            ["AdminListen"] = "none",
        });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _origin.DisposeAsync();
    }

    [Fact]
    public async Task Item49_A_redirect_from_the_origin_is_passed_through_unchanged_and_cached()
    {
        _origin.Route("/moved", (ctx, _) =>
        {
            ctx.Response.StatusCode = StatusCodes.Status302Found;
            ctx.Response.Headers.Location = "/elsewhere";
            return Task.CompletedTask;
        });

        using (var miss = await GetAsync("/moved"))
        {
            Assert.Equal(HttpStatusCode.Found, miss.StatusCode);
            Assert.Equal("/elsewhere", miss.Headers.Location!.OriginalString);
            Assert.False(miss.Headers.Contains("cf-cache-status"));
        }

        using var hit = await EventuallyHitAsync("/moved");
        Assert.Equal(HttpStatusCode.Found, hit.StatusCode);
        Assert.Equal("/elsewhere", hit.Headers.Location!.OriginalString);
        Assert.Equal(0, _origin.Hits("/elsewhere"));
    }

    [Fact]
    public async Task Item69_HEAD_and_POST_always_reach_the_origin_and_POST_does_not_replace_the_GET_entry()
    {
        _origin.Fixed("/m", "get body", ("Cache-Control", "public, max-age=60"));
        using (await GetAsync("/m"))
        {
        }

        using (await EventuallyHitAsync("/m"))
        {
        }

        var before = _origin.Hits("/m");
        for (var i = 0; i < 2; i++)
        {
            using var head = await _server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/m"));
            Assert.False(head.Headers.Contains("cf-cache-status"));
            using var post = await _server.Client.PostAsync(new Uri("/m", UriKind.Relative), new StringContent("x"));
            Assert.False(post.Headers.Contains("cf-cache-status"));
        }

        Assert.Equal(before + 4, _origin.Hits("/m"));
        using var stillCached = await GetAsync("/m");
        Assert.Equal("HIT", stillCached.Headers.GetValues("cf-cache-status").Single());
        Assert.Equal("get body", await stillCached.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Item13_A_put_that_throws_inside_waitUntil_does_not_affect_the_response()
    {
        _origin.Fixed("/vary-star", "body", ("Vary", "Accept, *"));

        for (var i = 1; i <= 2; i++)
        {
            using var response = await GetAsync("/vary-star");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("body", await response.Content.ReadAsStringAsync());
            Assert.False(response.Headers.Contains("cf-cache-status"));

            // The put has thrown (or declined) by the time the waitUntil work is done: nothing is stored.
            await _server.DrainAsync();
        }

        Assert.Equal(2, _origin.Hits("/vary-star"));
    }

    private Task<HttpResponseMessage> GetAsync(string path) => _server.Client.GetAsync(new Uri(path, UriKind.Relative));

    /// <summary>The example stores with waitUntil, after the response: once that work is done, the next request must hit.</summary>
    private async Task<HttpResponseMessage> EventuallyHitAsync(string path)
    {
        await _server.DrainAsync();
        var response = await GetAsync(path);
        Assert.Equal("HIT", response.Headers.TryGetValues("cf-cache-status", out var status) ? status.Single() : null);
        return response;
    }
}
