using EdgeCache.AspNetCore.Hosting;
using EdgeCache.Server.Hosting;
using EdgeCache.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.Server.Tests.Security;

/// <summary>
/// The attacker's bench: a real edgecache server (Kestrel on 127.0.0.1, port 0, memory store) in front of a
/// <see cref="ReflectingOrigin"/> that echoes the target, every header and the body into cacheable responses,
/// and a raw-socket client that sends requests exactly as written.
/// </summary>
internal sealed class AttackHarness : IAsyncDisposable
{
    /// <summary>A secret of the victim's (a cookie value, a token): it must never reach another client.</summary>
    public const string VictimSecret = "VICTIM-SECRET-7f3a";

    /// <summary>What an attacker injects: it must never reach a clean client.</summary>
    public const string AttackerMarker = "ATTACKER-MARK-91c2";

    private readonly WebApplication _app;

    private AttackHarness(WebApplication app, ReflectingOrigin origin)
    {
        _app = app;
        Origin = origin;
        BaseUri = new Uri(EdgeCacheServer.Addresses(app).First());
    }

    public ReflectingOrigin Origin { get; }

    public Uri BaseUri { get; }

    /// <summary>The admin listener's address; only when the harness was started with an <c>AdminListen</c> setting.</summary>
    public Uri AdminUri => new(_app.Services.GetRequiredService<EdgeCache.Server.Admin.AdminHostedService>().Addresses.First());

    /// <summary>Starts the server in CDN mode (or with <c>Handler</c> = <c>example</c>), with <c>EdgeCache:</c> settings such as rules.</summary>
    public static async Task<AttackHarness> StartAsync(params (string Key, string Value)[] settings)
    {
        var origin = ReflectingOrigin.Start();
        var values = new Dictionary<string, string?>
        {
            ["EdgeCache:Origin"] = origin.BaseUri.ToString(),
            ["EdgeCache:Listen"] = "http://127.0.0.1:0",
            ["EdgeCache:Store"] = "memory",
            ["EdgeCache:AdminListen"] = "none",
            ["EdgeCache:OriginTimeout"] = "00:00:05",
            ["Logging:LogLevel:Default"] = "Error",
        };
        foreach (var (key, value) in settings)
        {
            values["EdgeCache:" + key] = value;
        }

        var app = EdgeCacheServer.Build([], c => c.AddInMemoryCollection(values));
        await app.StartAsync();
        return new AttackHarness(app, origin);
    }

    /// <summary>Rule settings: <c>Rules:i:Match:Path</c> and the like, from pairs such as ("Match:Path", "/static/**").</summary>
    public static (string, string)[] Rule(int index, params (string Field, string Value)[] fields)
        => [.. fields.Select(f => ($"Rules:{index}:{f.Field}", f.Value))];

    /// <summary>A GET for a raw target, with header lines; waits until any cache write it caused has finished.</summary>
    public async Task<RawResponse> GetAsync(string target, params string[] headerLines)
    {
        var response = await RawHttp.SendAsync(BaseUri, RawHttp.Get(target, headerLines));
        await DrainAsync();
        return response;
    }

    /// <summary>Sends raw request text; waits until any cache write it caused has finished.</summary>
    public async Task<RawResponse> SendAsync(string request)
    {
        var response = await RawHttp.SendAsync(BaseUri, request);
        await DrainAsync();
        return response;
    }

    /// <summary>Waits for the cache writes in flight (WaitUntil work), so that the next request sees what was stored.</summary>
    public Task DrainAsync()
        => _app.Services.GetRequiredService<WaitUntilTracker>().DrainAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

    /// <summary>Asserts that a response carries nothing of the victim's or the attacker's: body, Set-Cookie, Location, any header.</summary>
    public static void AssertClean(RawResponse response)
    {
        Assert.True(response.Status is > 0, "no response");
        var text = System.Text.Encoding.Latin1.GetString(response.Raw);
        Assert.DoesNotContain(VictimSecret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(AttackerMarker, text, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Origin.DisposeAsync();
    }
}
