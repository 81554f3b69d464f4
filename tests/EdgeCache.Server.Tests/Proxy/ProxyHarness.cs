using EdgeCache.Server.Hosting;
using EdgeCache.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Server.Tests.Proxy;

/// <summary>
/// A real edgecache server (Kestrel on 127.0.0.1, port 0, memory store, CDN mode) in front of a real
/// <see cref="TestOrigin"/>, with a fake clock for freshness and a client that talks to the proxy.
/// </summary>
internal sealed class ProxyHarness : ProxyHarnessBase
{
    private ProxyHarness(WebApplication app, TestOrigin origin, FakeTimeProvider time, HttpClient client)
        : base(app, origin, time, client)
    {
    }

    public static async Task<ProxyHarness> StartAsync(params (string Key, string Value)[] settings)
    {
        var origin = await TestOrigin.StartAsync();
        var time = WholeSecondClock();
        origin.Clock = time;
        var values = new Dictionary<string, string?>
        {
            ["EdgeCache:Origin"] = origin.BaseUri.ToString(),
            ["EdgeCache:Listen"] = "http://127.0.0.1:0",
            ["EdgeCache:Store"] = "memory",
            ["EdgeCache:AdminListen"] = "none",
            ["EdgeCache:OriginTimeout"] = "00:00:05",
            ["Logging:LogLevel:Default"] = "Error",
            ["Logging:LogLevel:EdgeCache"] = "Error",
        };
        foreach (var (key, value) in settings)
        {
            values["EdgeCache:" + key] = value;
        }

        var app = EdgeCacheServer.Build([], c => c.AddInMemoryCollection(values), s => s.AddSingleton<TimeProvider>(time));
        await app.StartAsync();
        var address = EdgeCacheServer.Addresses(app).First();
        return new ProxyHarness(app, origin, time, ClientFor(address));
    }

    /// <inheritdoc />
    public override Task DrainAsync()
        => Services.GetRequiredService<EdgeCache.AspNetCore.Hosting.WaitUntilTracker>().DrainAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
}
