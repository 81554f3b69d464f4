using EdgeCache.Server.Hosting;
using Microsoft.AspNetCore.Builder;

namespace EdgeCache.Server.Tests;

/// <summary>The edgecache application in this process, on a real Kestrel at 127.0.0.1:0.</summary>
internal sealed class InProcessServer : IAsyncDisposable
{
    private InProcessServer(WebApplication app, Uri baseUri)
    {
        App = app;
        BaseUri = baseUri;
        Client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public Uri BaseUri { get; }

    public HttpClient Client { get; }

    /// <summary>Starts the server with settings given as <c>EdgeCache:Name</c> values (Listen defaults to port 0).</summary>
    public static async Task<InProcessServer> StartAsync(IDictionary<string, string?> settings, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null)
    {
        var values = new Dictionary<string, string?>(settings.Select(kv => KeyValuePair.Create(kv.Key.Contains(':') ? kv.Key : "EdgeCache:" + kv.Key, kv.Value)));
        values.TryAdd("EdgeCache:Listen", "http://127.0.0.1:0");
        values.TryAdd("EdgeCache:Store", "memory");
        values.TryAdd("EdgeCache:AdminListen", "http://127.0.0.1:0");
        values.TryAdd("Logging:LogLevel:Default", "Warning");
        var app = EdgeCacheServer.Build([], c => c.AddInMemoryCollection(values), services);
        await app.StartAsync();
        return new InProcessServer(app, new Uri(EdgeCacheServer.Addresses(app).First()));
    }

    /// <summary>The admin listener's base URL.</summary>
    public Uri AdminUri => new(App.Services.GetRequiredService<EdgeCache.Server.Admin.AdminHostedService>().Addresses.First());

    /// <summary>Waits until the work handed to WaitUntil (cache writes) has finished.</summary>
    public Task DrainAsync()
        => App.Services.GetRequiredService<EdgeCache.AspNetCore.Hosting.WaitUntilTracker>().DrainAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
