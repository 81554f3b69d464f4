using CacheApiExample;
using EdgeCache.AspNetCore;
using EdgeCache.AspNetCore.Proxy;
using EdgeCache.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace EdgeCache.Server;

/// <summary>Builds and runs the edgecache web application from validated settings.</summary>
internal static class EdgeCacheServer
{
    /// <summary>Builds the application; <paramref name="configure"/> may add configuration sources (the command line's values).</summary>
    public static WebApplication Build(string[] args, Action<ConfigurationManager>? configure = null, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Configuration.AddJsonFile("appsettings.json", optional: true);
        builder.Configuration.AddEnvironmentVariables();
        configure?.Invoke(builder.Configuration);

        var settings = new ServerSettings();
        builder.Configuration.GetSection(ServerSettings.SectionName).Bind(settings);
        var errors = settings.Validate();
        if (errors.Count > 0)
        {
            throw new SettingsException(errors);
        }

        // Framework chatter stays at Warning unless the operator's configuration says otherwise.
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.WebHost.UseUrls(settings.ListenUri.ToString());
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = null;

            // A proxy passes header values through as they are: obs-text (Latin-1) must not fail a request.
            k.RequestHeaderEncodingSelector = static _ => System.Text.Encoding.Latin1;
            k.ResponseHeaderEncodingSelector = static _ => System.Text.Encoding.Latin1;
        });
        builder.Services.AddSingleton(settings);
        services?.Invoke(builder.Services);
        builder.Services.AddSingleton<ICacheStore>(sp => StoreFactory.Create(settings, sp));
        builder.Services.AddEdgeCache(o =>
        {
            o.Origin = settings.OriginUri;
            o.Cache.MaxObjectSize = settings.MaxObjectSizeBytes;
            o.MemoryStore.SizeLimit = settings.MemorySizeBytes;
        });

        var app = builder.Build();
        if (settings.Handler == "example")
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeCache.Example");
            app.MapWorker(e => ExampleWorker.HandleRequest(e, logger));
        }
        else
        {
            app.MapCachingProxy(new CachingProxyOptions
            {
                Origin = settings.OriginUri,
                HostHeader = settings.HostHeader == "pass-through" ? HostHeaderMode.PassThrough : HostHeaderMode.Origin,
                AllowedUnkeyedHeaders = settings.AllowedUnkeyedHeaders,
                OriginTimeout = settings.OriginTimeout,
                CollapseRequests = settings.CollapseRequests,
                MaxBufferedObjectSize = Math.Min(settings.MaxObjectSizeBytes, 64L * 1024 * 1024),
            });
        }

        return app;
    }

    /// <summary>The addresses Kestrel actually listens on (port 0 resolved).</summary>
    public static IReadOnlyCollection<string> Addresses(WebApplication app)
        => app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
}
