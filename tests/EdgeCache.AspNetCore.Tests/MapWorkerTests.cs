using System.Net;
using EdgeCache.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.AspNetCore.Tests;

public sealed class MapWorkerTests
{
    [Fact]
    public async Task The_request_is_mapped_onto_the_origin_with_path_query_method_headers_and_body()
    {
        await using var host = await WorkerHost.StartAsync(e => e.FetchAsync(e.Request));
        host.Origin.Route("/echo", async (ctx, _) =>
        {
            using var reader = new StreamReader(ctx.Request.Body);
            var body = await reader.ReadToEndAsync();
            await ctx.Response.WriteAsync($"{ctx.Request.Method} {ctx.Request.Path}{ctx.Request.QueryString} {ctx.Request.Headers["X-Custom"]} {body}");
        });

        using var request = new HttpRequestMessage(HttpMethod.Put, "/echo?a=1&b=2") { Content = new StringContent("payload") };
        request.Headers.Add("X-Custom", "yes");
        using var response = await host.Client.SendAsync(request);

        Assert.Equal("PUT /echo?a=1&b=2 yes payload", await response.Content.ReadAsStringAsync());
        Assert.Equal(host.Origin.BaseUri.Authority, host.Origin.Requests.Single().Headers["Host"]);
    }

    [Fact]
    public async Task Redirects_from_the_origin_are_returned_not_followed()
    {
        await using var host = await WorkerHost.StartAsync(e => e.FetchAsync(e.Request));
        host.Origin.Route("/moved", (ctx, _) =>
        {
            ctx.Response.StatusCode = 302;
            ctx.Response.Headers.Location = "/elsewhere";
            return Task.CompletedTask;
        });
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.Client.BaseAddress };

        using var response = await client.GetAsync("/moved");

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("/elsewhere", response.Headers.Location!.OriginalString);
        Assert.Equal(0, host.Origin.Hits("/elsewhere"));
    }

    [Fact]
    public async Task A_handler_that_throws_gives_a_500_with_a_short_plain_body_and_no_stack_trace()
    {
        await using var host = await WorkerHost.StartAsync(_ => throw new InvalidOperationException("secret detail"));

        using var response = await host.Client.GetAsync("/x");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.DoesNotContain("secret detail", body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PassThroughOnException_sends_the_request_to_the_origin_when_the_handler_throws()
    {
        await using var host = await WorkerHost.StartAsync(e =>
        {
            e.PassThroughOnException();
            throw new InvalidOperationException("boom");
        });

        using var response = await host.Client.GetAsync("/through");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/through v1", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WaitUntil_work_runs_after_the_response_and_its_failure_does_not_break_the_response()
    {
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await WorkerHost.StartAsync(e =>
        {
            e.WaitUntil(Task.Run(async () =>
            {
                await release.Task;
                finished.SetResult();
            }));
            e.WaitUntil(Task.FromException(new InvalidOperationException("background failure")));
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("done") });
        });

        using var response = await host.Client.GetAsync("/");
        Assert.Equal("done", await response.Content.ReadAsStringAsync());
        var tracker = host.App.Services.GetRequiredService<WaitUntilTracker>();
        Assert.Equal(1, tracker.Pending);

        release.SetResult();
        await finished.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await tracker.DrainAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, tracker.Pending);
    }

    [Fact]
    public async Task Shutdown_waits_for_pending_WaitUntil_work()
    {
        var completed = false;
        await using var host = await WorkerHost.StartAsync(e =>
        {
            e.WaitUntil(Task.Run(async () =>
            {
                await Task.Delay(500);
                completed = true;
            }));
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NoContent));
        });

        using var response = await host.Client.GetAsync("/");
        await host.App.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(completed);
    }

    [Fact]
    public async Task The_example_pattern_caches_a_miss_and_serves_the_next_request_from_cache()
    {
        await using var host = await WorkerHost.StartAsync(async e =>
        {
            var cacheKey = e.Request.WithUrl(e.Request.RequestUri!);
            var cache = e.Caches.Default;
            var response = await cache.MatchAsync(cacheKey);
            if (response is null)
            {
                response = await e.FetchAsync(e.Request);
                response.Headers.TryAddWithoutValidation("Cache-Control", "s-maxage=10");
                e.WaitUntil(cache.PutAsync(cacheKey, response.Clone()));
            }

            return response;
        });
        var tracker = host.App.Services.GetRequiredService<WaitUntilTracker>();

        using var first = await host.Client.GetAsync("/page");
        Assert.Equal("/page v1", await first.Content.ReadAsStringAsync());
        await tracker.DrainAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        using var second = await host.Client.GetAsync("/page");

        Assert.Equal("/page v1", await second.Content.ReadAsStringAsync());
        Assert.Equal("HIT", second.Headers.GetValues("cf-cache-status").Single());
        Assert.Equal(1, host.Origin.Hits("/page"));
    }
}
