using System.Globalization;
using EdgeCache.AspNetCore.Proxy;
using EdgeCache.Storage;
using EdgeCache.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>
/// The caching proxy of EdgeCache.AspNetCore on its own: <see cref="CachingProxyEndpointRouteBuilderExtensions.MapCachingProxy"/>
/// on a real Kestrel (127.0.0.1, port 0, memory store, the connection middleware of
/// <see cref="EdgeCacheListenOptionsExtensions.UseEdgeCacheConnections"/>) in front of a real <see cref="TestOrigin"/>,
/// with a fake clock for freshness and a client that talks to the proxy. Settings are named as the server names
/// them (<c>("OriginTimeout", "00:00:00.500")</c>) and become <see cref="CachingProxyOptions"/>.
/// </summary>
internal sealed class ProxyHarness : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ProxyHarness(WebApplication app, TestOrigin origin, FakeTimeProvider time, HttpClient client)
    {
        _app = app;
        Origin = origin;
        Time = time;
        Client = client;
    }

    public TestOrigin Origin { get; }

    /// <summary>The application's services (the store, the Cache API).</summary>
    public IServiceProvider Services => _app.Services;

    public FakeTimeProvider Time { get; }

    public HttpClient Client { get; }

    public Uri BaseUri => Client.BaseAddress!;

    public static async Task<ProxyHarness> StartAsync(params (string Key, string Value)[] settings)
    {
        var origin = await TestOrigin.StartAsync();
        // A whole second, so the origin's Date (second precision) adds no fractional age.
        var now = TimeProvider.System.GetUtcNow();
        var time = new FakeTimeProvider(now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond)));
        origin.Clock = time;
        var options = new CachingProxyOptions { Origin = origin.BaseUri, OriginTimeout = TimeSpan.FromSeconds(5) };
        long? maxObjectSize = null;
        var unkeyed = new List<string>();
        foreach (var (key, value) in settings)
        {
            options = key switch
            {
                "Origin" => options with { Origin = new Uri(value) },
                "OriginTimeout" => options with { OriginTimeout = TimeSpan.Parse(value, CultureInfo.InvariantCulture) },
                "HostHeader" => options with { HostHeader = value == "pass-through" ? HostHeaderMode.PassThrough : HostHeaderMode.Origin },
                "ReusePostResponses" => options with { ReusePostResponses = bool.Parse(value) },
                "CollapseRequests" => options with { CollapseRequests = bool.Parse(value) },
                "ForwardCdnCacheControl" => options with { ForwardCdnCacheControl = bool.Parse(value) },
                "FetchFullObjectForRangeMiss" => options with { FetchFullObjectForRangeMiss = bool.Parse(value) },
                "StaleIfOriginUnreachable" => options with { StaleIfOriginUnreachable = TimeSpan.Parse(value, CultureInfo.InvariantCulture) },
                "ExposeCacheTags" => options with { ExposeCacheTags = bool.Parse(value) },
                _ when key.StartsWith("AllowedUnkeyedHeaders:", StringComparison.Ordinal) => options,
                "MaxObjectSize" => options,
                _ => throw new ArgumentException($"The proxy harness does not know the setting '{key}'.", nameof(settings)),
            };
            if (key.StartsWith("AllowedUnkeyedHeaders:", StringComparison.Ordinal))
            {
                unkeyed.Add(value);
            }
            else if (key == "MaxObjectSize")
            {
                maxObjectSize = ParseSize(value);
            }
        }

        options = options with { AllowedUnkeyedHeaders = unkeyed };
        if (maxObjectSize is { } max)
        {
            options = options with { MaxStoredObjectSize = max, MaxBufferedObjectSize = Math.Min(max, options.MaxBufferedObjectSize) };
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            k.ConfigureEndpointDefaults(listen => listen.UseEdgeCacheConnections());
            k.Limits.MaxRequestBodySize = null;
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddEdgeCache(o =>
        {
            if (maxObjectSize is { } limit)
            {
                o.MemoryStore.MaxObjectSize = limit;
            }
        });
        var app = builder.Build();
        app.MapCachingProxy(options);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var client = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
            MaxConnectionsPerServer = 2000,
        })
        {
            BaseAddress = new Uri(address),
            Timeout = TimeSpan.FromSeconds(30),
        };
        return new ProxyHarness(app, origin, time, client);
    }

    private static long ParseSize(string value) => value.EndsWith("MB", StringComparison.Ordinal)
        ? long.Parse(value[..^2], CultureInfo.InvariantCulture) << 20
        : value.EndsWith("KB", StringComparison.Ordinal) ? long.Parse(value[..^2], CultureInfo.InvariantCulture) << 10 : long.Parse(value, CultureInfo.InvariantCulture);

    /// <summary>Sends raw request bytes over a new connection and returns the response head and body as text.</summary>
    public async Task<string> RawAsync(string requestText)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(BaseUri.Host, BaseUri.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(requestText));
        using var reader = new StreamReader(stream);
        var read = reader.ReadToEndAsync();
        return await read.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Sends a GET with extra request headers.</summary>
    public Task<HttpResponseMessage> GetAsync(string path, params (string Name, string Value)[] headers)
        => SendAsync(HttpMethod.Get, path, headers);

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await Client.SendAsync(request);
    }

    /// <summary>GET and read the body as text.</summary>
    public async Task<(HttpResponseMessage Response, string Body)> GetTextAsync(string path, params (string Name, string Value)[] headers)
    {
        var response = await GetAsync(path, headers);
        return (response, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Advances the proxy's clock (the origin's Date comes from the real clock; routes can set Date from <see cref="Time"/>).</summary>
    public void Advance(TimeSpan by) => Time.Advance(by);

    /// <summary>An HTTP-date for the fake clock, plus an offset.</summary>
    public string HttpDateAt(TimeSpan offset = default) => (Time.GetUtcNow() + offset).ToString("r");

    /// <summary>Waits (bounded) until a condition holds, e.g. a background revalidation reached the origin.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, int timeoutMs = 5000)
    {
        var waited = 0;
        while (!condition() && waited < timeoutMs)
        {
            await Task.Delay(20);
            waited += 20;
        }

        Assert.True(condition(), "the condition did not hold in time");
    }

    /// <summary>Polls (bounded) until an asynchronous condition holds; returns its last result.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> done, int timeoutMs = 5000)
    {
        var waited = 0;
        var result = await probe();
        while (!done(result) && waited < timeoutMs)
        {
            await Task.Delay(20);
            waited += 20;
            result = await probe();
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Origin.DisposeAsync();
    }
}

/// <summary>Response header helpers for the tests.</summary>
internal static class ResponseHeaderExtensions
{
    public static string? Header(this HttpResponseMessage response, string name)
        => response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values)
            : response.Content.Headers.TryGetValues(name, out var content) ? string.Join(", ", content) : null;

    public static string CacheStatus(this HttpResponseMessage response) => response.Header("Cache-Status") ?? string.Empty;

    public static string CfStatus(this HttpResponseMessage response) => response.Header("cf-cache-status") ?? string.Empty;
}
