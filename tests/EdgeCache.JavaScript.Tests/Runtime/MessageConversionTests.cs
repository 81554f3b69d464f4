namespace EdgeCache.JavaScript.Tests.Runtime;

/// <summary>
/// A fetch() or cache.match() result that a script sends on unchanged goes out as the host's own message (its
/// headers are not copied back); what the client gets must be what the copying path gave: the same status,
/// end-to-end headers and body, and a changed copy must still carry its change.
/// </summary>
public sealed class MessageConversionTests
{
    private const string Worker = """
        export default {
          async fetch(request, env, ctx) {
            const path = new URL(request.url).pathname;
            if (path === '/fetched') {
              return fetch(request);
            }
            if (path === '/fetched-read') {
              const r = await fetch(request);
              console.log('origin type ' + r.headers.get('content-type'));
              return r;
            }
            if (path === '/fetched-copy') {
              const r = await fetch(request);
              const copy = new Response(r.body, r);
              copy.headers.set('x-origin', 'changed');
              return copy;
            }
            const key = new Request('https://cache.test' + path);
            let hit = await caches.default.match(key);
            if (!hit) {
              const stored = new Response('stored body', { status: 200, headers: { 'content-type': 'text/x-stored', 'cache-control': 'max-age=600', 'x-stored': 'yes' } });
              await caches.default.put(key, stored);
              hit = await caches.default.match(key);
            }
            return path === '/cached-status' ? new Response(hit.body, { status: 203, headers: hit.headers }) : hit;
          },
        };
        """;

    [Fact]
    public async Task A_fetched_response_sent_on_unchanged_keeps_the_origin_status_headers_and_body()
    {
        await using var host = await JsWorkerHost.StartAsync(Worker);
        host.Origin.Fixed("/fetched", "origin body", ("Content-Type", "text/x-origin"), ("X-Origin", "1"), ("X-Two", "a"), ("X-Two", "b"));

        using var response = await host.Client.GetAsync("/fetched");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/x-origin", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("1", response.Headers.GetValues("x-origin").Single());
        Assert.Equal(["a", "b"], response.Headers.GetValues("x-two").SelectMany(v => v.Split(", ")).ToArray());
        Assert.Equal(11, response.Content.Headers.ContentLength);
        Assert.Equal("origin body", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_fetched_response_whose_headers_the_script_read_goes_out_the_same()
    {
        await using var host = await JsWorkerHost.StartAsync(Worker);
        host.Origin.Fixed("/fetched-read", "read body", ("Content-Type", "text/x-read"), ("X-Origin", "1"));

        using var response = await host.Client.GetAsync("/fetched-read");

        Assert.Equal("text/x-read", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("1", response.Headers.GetValues("x-origin").Single());
        Assert.Equal("read body", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_copy_of_a_fetched_response_carries_the_script_s_change()
    {
        await using var host = await JsWorkerHost.StartAsync(Worker);
        host.Origin.Fixed("/fetched-copy", "copy body", ("Content-Type", "text/x-copy"), ("X-Origin", "1"));

        using var response = await host.Client.GetAsync("/fetched-copy");

        Assert.Equal("changed", response.Headers.GetValues("x-origin").Single());
        Assert.Equal("text/x-copy", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("copy body", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_cache_hit_sent_on_unchanged_has_the_stored_headers_and_body_every_time()
    {
        await using var host = await JsWorkerHost.StartAsync(Worker);

        foreach (var _ in Enumerable.Range(0, 3))
        {
            using var response = await host.Client.GetAsync("/cached");

            Assert.Equal(200, (int)response.StatusCode);
            Assert.Equal("text/x-stored", response.Content.Headers.ContentType?.ToString());
            Assert.Equal("yes", response.Headers.GetValues("x-stored").Single());
            Assert.Equal("HIT", response.Headers.GetValues("cf-cache-status").Single());
            Assert.Equal("stored body", await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Many_cache_hits_in_flight_at_once_each_get_the_whole_stored_response()
    {
        await using var host = await JsWorkerHost.StartAsync(Worker);
        Assert.Equal("stored body", await host.Client.GetStringAsync("/cached"));

        var responses = await Task.WhenAll(Enumerable.Range(0, 64).Select(async _ =>
        {
            using var response = await host.Client.GetAsync("/cached");
            return $"{(int)response.StatusCode} {response.Content.Headers.ContentType} {await response.Content.ReadAsStringAsync()}";
        }));

        Assert.All(responses, r => Assert.Equal("200 text/x-stored stored body", r));
    }

    [Fact]
    public async Task A_cache_hit_sent_with_another_status_goes_out_with_that_status()
    {
        await using var host = await JsWorkerHost.StartAsync(Worker);

        using var response = await host.Client.GetAsync("/cached-status");

        Assert.Equal(203, (int)response.StatusCode);
        Assert.Equal("text/x-stored", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("stored body", await response.Content.ReadAsStringAsync());
    }
}
