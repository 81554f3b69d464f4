using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.AspNetCore.Tests;

/// <summary>The parts of <see cref="FetchEvent"/> and its helpers that make C# read like the Worker it translates.</summary>
public sealed class FetchEventApiTests
{
    [Fact]
    public async Task Url_is_what_the_visitor_asked_for_Origin_is_configured_and_Request_is_mapped_onto_it()
    {
        string? seen = null;
        await using var host = await WorkerHost.StartAsync(e =>
        {
            seen = $"{e.Url.AbsoluteUri} | {e.Origin.AbsoluteUri} | {e.Request.RequestUri!.AbsoluteUri}";
            return Task.FromResult(EdgeResponse.Text("ok"));
        });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/a/b?x=1&y=%20");
        request.Headers.Host = "shop.example:8443";

        (await host.Client.SendAsync(request)).EnsureSuccessStatusCode();

        var origin = host.Origin.BaseUri;
        Assert.Equal($"http://shop.example:8443/a/b?x=1&y=%20 | {origin.AbsoluteUri} | {new Uri(origin, "/a/b?x=1&y=%20").AbsoluteUri}", seen);
    }

    [Fact]
    public async Task An_empty_post_has_empty_content_not_null_and_reaches_the_origin_with_content_length_zero()
    {
        string? body = null;
        await using var host = await WorkerHost.StartAsync(async e =>
        {
            body = await e.Request.Content!.ReadAsStringAsync();
            return await e.FetchAsync(e.Request);
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/empty") { Content = new ByteArrayContent([]) };
        request.Content.Headers.ContentType = new("application/x-www-form-urlencoded");

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(string.Empty, body);
        var received = host.Origin.Requests.Single();
        Assert.Equal("POST", received.Method);
        Assert.Equal("0", received.Headers["Content-Length"]);
        Assert.Equal("application/x-www-form-urlencoded", received.Headers["Content-Type"]);
    }

    [Fact]
    public async Task A_body_read_with_TextAsync_or_CloneAsync_is_still_forwarded_whole()
    {
        string? text = null;
        string? cloned = null;
        await using var host = await WorkerHost.StartAsync(async e =>
        {
            text = await e.Request.TextAsync();
            using var copy = await e.Request.CloneAsync();
            cloned = $"{copy.Method} {copy.Content!.Headers.ContentType} {await copy.Content.ReadAsStringAsync()}";
            return await e.FetchAsync(e.Request);
        });
        host.Origin.Route("/echo", async (ctx, _) => await ctx.Response.WriteAsync(await new StreamReader(ctx.Request.Body).ReadToEndAsync()));
        var payload = new string('x', 200_000) + "end";

        using var response = await host.Client.PostAsync("/echo", new StringContent(payload, Encoding.UTF8, "text/plain"));

        Assert.Equal(payload, text);
        Assert.Equal($"POST text/plain; charset=utf-8 {payload}", cloned);
        Assert.Equal(payload, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_body_larger_than_the_limit_is_refused_and_nothing_reaches_the_origin()
    {
        await using var host = await WorkerHost.StartAsync(async e =>
        {
            try
            {
                await e.Request.TextAsync(maxBodyBytes: 1024);
            }
            catch (HttpRequestException)
            {
                return EdgeResponse.Text("too large", HttpStatusCode.RequestEntityTooLarge);
            }

            return await e.FetchAsync(e.Request);
        });

        using var response = await host.Client.PostAsync("/upload", new ByteArrayContent(new byte[64 * 1024]));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, host.Origin.TotalHits);
    }

    [Fact]
    public async Task Workers_are_mapped_per_route_and_the_more_specific_route_wins()
    {
        await using var host = await WorkerHost.StartAsync(app =>
        {
            app.MapWorker("/api/{**rest}", e => Task.FromResult(EdgeResponse.Json(new { worker = "api", path = e.Url.AbsolutePath })));
            app.MapWorker(e => e.FetchAsync(e.Request));
        });

        Assert.Equal("""{"worker":"api","path":"/api/users/7"}""", await host.Client.GetStringAsync("/api/users/7"));
        Assert.Equal("/index v1", await host.Client.GetStringAsync("/index"));
        Assert.Equal(0, host.Origin.Hits("/api/users/7"));
    }

    [Fact]
    public async Task Json_responses_have_the_json_type_an_exact_length_and_the_status()
    {
        using var response = EdgeResponse.Json(new { ok = true, count = 2 }, HttpStatusCode.Created);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.ToString());
        Assert.Equal(21, response.Content.Headers.ContentLength);
        Assert.Equal("""{"ok":true,"count":2}""", await response.Content.ReadAsStringAsync());
    }
}
