using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeWorker.Tests;

/// <summary>The worker on a real Kestrel (127.0.0.1, a free port) in front of a local origin.</summary>
public sealed class WorkerTests : IAsyncLifetime
{
    private int _originHits;
    private WebApplication _origin = null!;
    private WebApplication _edge = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _origin = builder.Build();
        _origin.Run(async context =>
        {
            var hit = Interlocked.Increment(ref _originHits);
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync($"{context.Request.Method} {context.Request.Path} from the origin, request {hit}");
        });
        await _origin.StartAsync();

        _edge = EdgeWorkerApp.Build(["--urls", "http://127.0.0.1:0", "--EdgeCache:Origin", Address(_origin), "--Logging:LogLevel:Default", "Warning"]);
        await _edge.StartAsync();
        _client = new HttpClient { BaseAddress = new Uri(Address(_edge)) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _edge.DisposeAsync();
        await _origin.DisposeAsync();
    }

    [Fact]
    public async Task The_first_request_goes_to_the_origin_and_the_next_is_answered_from_the_cache()
    {
        using var miss = await _client.GetAsync("/hello");
        Assert.Equal(HttpStatusCode.OK, miss.StatusCode);
        Assert.Equal("GET /hello from the origin, request 1", await miss.Content.ReadAsStringAsync());
        Assert.False(miss.Headers.Contains("cf-cache-status"));

        // The cache write runs in WaitUntil, after the response: ask again until it is there (bounded).
        HttpResponseMessage? hit = null;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            hit?.Dispose();
            hit = await _client.GetAsync("/hello");
            if (hit.Headers.TryGetValues("cf-cache-status", out var status) && status.Single() == "HIT")
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Equal("HIT", hit!.Headers.GetValues("cf-cache-status").Single());
        Assert.Equal("GET /hello from the origin, request 1", await hit.Content.ReadAsStringAsync());
        hit.Dispose();
    }

    [Fact]
    public async Task A_post_always_goes_to_the_origin()
    {
        using var first = await _client.PostAsync("/form", new StringContent("a"));
        using var second = await _client.PostAsync("/form", new StringContent("b"));

        Assert.Equal("POST /form from the origin, request 2", await second.Content.ReadAsStringAsync());
        Assert.Equal(2, _originHits);
    }

    private static string Address(WebApplication app)
        => app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
}
