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
internal sealed class ProxyHarness : ProxyHarnessBase
{
    private ProxyHarness(WebApplication app, TestOrigin origin, FakeTimeProvider time, HttpClient client)
        : base(app, origin, time, client)
    {
    }

    public static Task<ProxyHarness> StartAsync(params (string Key, string Value)[] settings) => StartAsync(store: null, settings);

    /// <summary>Starts the proxy over <paramref name="store"/> (a wrapper that injects a fault) instead of the default memory store.</summary>
    public static Task<ProxyHarness> StartAsync(Func<IServiceProvider, ICacheStore>? store, params (string Key, string Value)[] settings)
        => StartAsync(store, logs: null, settings);

    /// <summary>As above, with the proxy's log (<c>EdgeCache.Proxy</c>, Information and up) also going to <paramref name="logs"/>.</summary>
    public static async Task<ProxyHarness> StartAsync(Func<IServiceProvider, ICacheStore>? store, ILoggerProvider? logs, params (string Key, string Value)[] settings)
    {
        var origin = await TestOrigin.StartAsync();
        var time = WholeSecondClock();
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
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
            builder.Logging.AddFilter("EdgeCache.Proxy", LogLevel.Information);
        }

        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            k.ConfigureEndpointDefaults(listen => listen.UseEdgeCacheConnections());
            k.Limits.MaxRequestBodySize = null;
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton<TimeProvider>(time);
        if (store is not null)
        {
            builder.Services.AddSingleton(store);
        }

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
        return new ProxyHarness(app, origin, time, ClientFor(address));
    }

    /// <inheritdoc />
    public override Task DrainAsync()
        => Services.GetRequiredService<EdgeCache.AspNetCore.Hosting.WaitUntilTracker>().DrainAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

    private static long ParseSize(string value) => value.EndsWith("MB", StringComparison.Ordinal)
        ? long.Parse(value[..^2], CultureInfo.InvariantCulture) << 20
        : value.EndsWith("KB", StringComparison.Ordinal) ? long.Parse(value[..^2], CultureInfo.InvariantCulture) << 10 : long.Parse(value, CultureInfo.InvariantCulture);
}
