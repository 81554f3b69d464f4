using CacheApiExample;
using EdgeCache.AspNetCore;
using EdgeCache.AspNetCore.Hosting;
using EdgeCache.Diagnostics;
using EdgeCache.JavaScript;
using EdgeCache.AspNetCore.Proxy;
using EdgeCache.Server.Admin;
using EdgeCache.Server.Rules;
using EdgeCache.Server.Settings;
using EdgeCache.Server.Status;
using EdgeCache.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace EdgeCache.Server.Hosting;

/// <summary>Builds and runs the edgecache web application from validated settings.</summary>
internal static class EdgeCacheServer
{
    /// <summary>
    /// Builds the application. Settings are read from <c>appsettings.json</c>, then <paramref name="configFile"/>
    /// (<c>--config</c>), then the environment, then what <paramref name="configure"/> adds (the command
    /// line's values): a later source wins, so a file never beats an environment variable.
    /// </summary>
    public static WebApplication Build(string[] args, Action<ConfigurationManager>? configure = null, Action<IServiceCollection>? services = null, string? configFile = null)
    {
        // No reload of appsettings.json on change: the settings are bound once, below, and a reloading JSON source
        // puts a recursive FileSystemWatcher on the content root (the working directory), one inotify watch and
        // one event per file created under it, the default ./edgecache-data included (docs/performance.md).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
            ContentRootPath = Directory.GetCurrentDirectory(),
        });
        builder.Configuration.AddJsonFile("appsettings.json", optional: true);
        if (configFile is not null)
        {
            builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false);
        }

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

        // ASP.NET Core's hosting layer starts an Activity and a logging scope for every request as soon as its
        // logger is on at any level (it logs nothing above Information): about 0.5 KB and an ExecutionContext
        // change per request, on hits and misses alike, for a scope no console line prints. Off unless the
        // operator's configuration sets its level (docs/performance.md, "session 7: the miss path").
        if (builder.Configuration["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] is null)
        {
            builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        }
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.WebHost.UseUrls(settings.ListenUri.ToString());
        builder.WebHost.UseKestrelHttpsConfiguration();
        var certificate = ServerCertificate.Load(settings);
        if (settings.ListenUri.Scheme == Uri.UriSchemeHttps && certificate is null
            && string.IsNullOrEmpty(builder.Configuration["Kestrel:Certificates:Default:Path"]))
        {
            throw new SettingsException([$"--listen {settings.Listen} is https: give a certificate with --tls-certificate (EdgeCache:CertificatePath) or Kestrel:Certificates:Default."]);
        }

        builder.WebHost.UseSockets(o =>
        {
            o.UnsafePreferInlineScheduling = settings.InlineScheduling;
            o.WaitForDataBeforeAllocatingBuffer = settings.WaitForDataBeforeAllocatingBuffer;
        });
        var directSend = new EdgeCache.AspNetCore.Hosting.DirectSendCounters();
        builder.Services.AddSingleton(directSend);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;

            // The Connection-nominated names (RFC 9110 section 7.6.1) the proxy drops, and, next to the socket,
            // the output that sends large stored bodies without Kestrel's copy.
            k.ConfigureEndpointDefaults(listen => listen.UseEdgeCacheConnections(settings.DirectSend ? directSend : null));
            k.Limits.MaxRequestBodySize = null;
            if (certificate is not null)
            {
                // HTTP/1.1 and HTTP/2 (negotiated with ALPN) on TLS listeners.
                k.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate);
            }

            // A proxy passes header values through as they are: obs-text (Latin-1) must not fail a request.
            k.RequestHeaderEncodingSelector = static _ => System.Text.Encoding.Latin1;
            k.ResponseHeaderEncodingSelector = static _ => System.Text.Encoding.Latin1;
        });
        builder.Services.AddSingleton(settings);

        // First among the hosted services, so the warm-up is over before the others start and the server listens.
        if (settings.Worker is null && settings.Handler != "example" && settings.WarmUp > TimeSpan.Zero)
        {
            builder.Services.AddSingleton<MissPathWarmUp>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<MissPathWarmUp>());
        }

        // After the warm-up (hosted services start in order): its first trim gives back what the warm-up's JIT freed.
        if (settings.NativeHeapTrimInterval > TimeSpan.Zero && NativeHeap.CanTrim)
        {
            builder.Services.AddSingleton<NativeHeapTrimmer>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<NativeHeapTrimmer>());
        }

        builder.Services.AddSingleton<Admin.AdminHostedService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Admin.AdminHostedService>());
        builder.Services.AddSingleton<Status.CacheStatusCounters>();
        builder.Services.AddSingleton<Status.TopKeyTracker>();
        builder.Services.AddSingleton<Status.HitRatioHistory>();
        builder.Services.AddSingleton<Status.OriginHealthMonitor>();
        builder.Services.AddSingleton<Status.StatusReporter>();
        services?.Invoke(builder.Services);
        if (!string.IsNullOrWhiteSpace(settings.Redis))
        {
            builder.Services.AddSingleton(sp => StoreFactory.CreateRedisTier(settings, sp)!);
        }

        // Under a heap limit, what fills and memory-tier writes hold in flight is bounded too (the limit counts it).
        var inFlight = settings.InFlightBodyBytes > 0 ? new InFlightBodyBudget(settings.InFlightBodyBytes) : null;
        if (inFlight is not null)
        {
            builder.Services.AddSingleton(inFlight);
        }

        builder.Services.AddSingleton<ICacheStore>(sp => StoreFactory.Create(settings, sp));
        builder.Services.AddEdgeCache(o =>
        {
            o.Origin = settings.OriginUri;
            o.OriginCaFile = settings.OriginCaFile;
            o.OriginTimeout = settings.OriginTimeout;
            o.Cache.MaxObjectSize = settings.MaxObjectSizeBytes;
            o.MemoryStore.SizeLimit = settings.MemorySizeBytes;
            o.MemoryStore.FileBodyThreshold = settings.MemoryFileThresholdBytes;
            o.MemoryStore.InFlightBudget = inFlight;
            o.ExposeCacheTags = settings.ExposeCacheTags;
        });

        var app = builder.Build();

        // Open the store now: an unusable --data-dir is a startup error, not a failure of the first request.
        // The container disposes it on shutdown (the disk tier then flushes and marks a clean shutdown).
        var store = app.Services.GetRequiredService<ICacheStore>();

        if (settings.AccessLog)
        {
            app.UseMiddleware<AccessLogMiddleware>();
        }

        app.UseMiddleware<RequestMetricsMiddleware>();
        var storeMetrics = EdgeCacheTelemetry.ObserveStore(
            store,
            () => app.Services.GetRequiredService<WaitUntilTracker>().Pending);
        app.Lifetime.ApplicationStopped.Register(storeMetrics.Dispose);
        if (app.Services.GetService<EdgeCache.Redis.RedisTier>() is { } redisTier)
        {
            var redisMetrics = EdgeCacheTelemetry.ObserveRedis(() => redisTier.Connection.IsAvailable);
            app.Lifetime.ApplicationStopped.Register(redisMetrics.Dispose);
        }
        if (settings.Worker is not null)
        {
            try
            {
                app.MapJavaScriptWorker(settings.Worker, o =>
                {
                    o.Watch = settings.Watch;
                    o.Engines = settings.WorkerEngines;
                    o.CpuLimit = TimeSpan.FromMilliseconds(settings.WorkerCpuLimitMs);
                    o.MemoryLimit = settings.WorkerMemoryLimitBytes;
                    foreach (var (name, value) in settings.Vars)
                    {
                        o.Variables[name] = value;
                    }
                });
            }
            catch (JavaScriptWorkerLoadException ex)
            {
                ((IDisposable)app).Dispose();
                throw new SettingsException([ex.Message]);
            }
        }
        else if (settings.Handler == "example")
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeCache.Example");
            app.MapWorker(e => ExampleWorker.HandleRequest(e, logger));
        }
        else
        {
            if (!settings.RuleSet.IsEmpty)
            {
                app.UseMiddleware<Rules.CacheRulesMiddleware>(settings.RuleSet);
            }

            app.MapCachingProxy(new CachingProxyOptions
            {
                Origin = settings.OriginUri,
                OriginCaFile = settings.OriginCaFile,
                HostHeader = settings.HostHeader == "pass-through" ? HostHeaderMode.PassThrough : HostHeaderMode.Origin,
                AllowedUnkeyedHeaders = settings.AllowedUnkeyedHeaders,
                ForwardedRequestHeaders = settings.ForwardedRequestHeaders,
                SetCookie = settings.SetCookiePolicy,
                OriginTimeout = settings.OriginTimeout,
                CollapseRequests = settings.CollapseRequests,
                ForwardCdnCacheControl = settings.ForwardCdnCacheControl,
                ReusePostResponses = settings.ReusePostResponses,
                StaleIfOriginUnreachable = settings.StaleIfOriginUnreachable,
                FetchFullObjectForRangeMiss = settings.FetchFullObjectForRangeMiss,
                ExposeCacheTags = settings.ExposeCacheTags,
                MaxBufferedObjectSize = settings.MaxBufferedObjectSizeBytes,
                InFlightBudget = inFlight,
                MaxStoredObjectSize = settings.MaxObjectSizeBytes,
                FillCoordinator = app.Services.GetService<EdgeCache.Redis.RedisTier>() is { } tier ? new EdgeCache.Redis.RedisFillCoordinator(tier.FillLock) : null,
            });
        }

        return app;
    }

    /// <summary>The addresses Kestrel actually listens on (port 0 resolved).</summary>
    public static IReadOnlyCollection<string> Addresses(WebApplication app)
        => app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
}
