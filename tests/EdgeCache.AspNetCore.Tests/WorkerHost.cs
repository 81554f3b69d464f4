using EdgeCache.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeCache.AspNetCore.Tests;

/// <summary>A real Kestrel on 127.0.0.1:0 running a worker in front of a <see cref="TestOrigin"/>.</summary>
internal sealed class WorkerHost : IAsyncDisposable
{
    private WorkerHost(WebApplication app, TestOrigin origin, HttpClient client)
    {
        App = app;
        Origin = origin;
        Client = client;
    }

    public WebApplication App { get; }

    public TestOrigin Origin { get; }

    public HttpClient Client { get; }

    /// <summary>Waits until the work handed to WaitUntil (cache writes) has finished.</summary>
    public Task DrainAsync()
        => App.Services.GetRequiredService<EdgeCache.AspNetCore.Hosting.WaitUntilTracker>().DrainAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

    public static Task<WorkerHost> StartAsync(Func<FetchEvent, Task<HttpResponseMessage>> handler, Action<EdgeCacheOptions>? configure = null)
        => StartAsync(app => app.MapWorker(handler), configure);

    /// <summary>Starts an app whose endpoints <paramref name="map"/> maps (workers, admin endpoints).</summary>
    public static async Task<WorkerHost> StartAsync(Action<WebApplication> map, Action<EdgeCacheOptions>? configure = null)
    {
        var origin = await TestOrigin.StartAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddEdgeCache(o =>
        {
            o.Origin = origin.BaseUri;
            configure?.Invoke(o);
        });
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
        return new WorkerHost(app, origin, client);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        await Origin.DisposeAsync();
    }
}
