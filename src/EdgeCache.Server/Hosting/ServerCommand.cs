using System.CommandLine;
using EdgeCache.Server.Settings;

namespace EdgeCache.Server.Hosting;

/// <summary>
/// The <c>edgecache</c> command line. Flag names are a stable vocabulary: each maps to the
/// <c>EdgeCache:&lt;Name&gt;</c> setting (also <c>EDGECACHE__&lt;NAME&gt;</c> in the environment).
/// </summary>
internal static class ServerCommand
{
    /// <summary>Exit code for bad arguments or settings.</summary>
    public const int UsageError = 2;

    private static readonly (string Flag, string Setting, string Help)[] Flags =
    [
        ("--origin", "Origin", "The origin to forward to, e.g. http://127.0.0.1:8080 (required)."),
        ("--listen", "Listen", "Public listener URL. Default: http://127.0.0.1:8787."),
        ("--handler", "Handler", "proxy (CDN mode) or example (the Cache API reference example). Default: proxy."),
        ("--worker", "Worker", "A Cloudflare Workers script (service-worker or ES module syntax) to run instead of --handler. Default: none."),
        ("--store", "Store", "memory, disk or tiered (memory over disk). Default: tiered."),
        ("--memory-size", "MemorySize", "Memory tier budget, e.g. 256MB. Default: 256MB."),
        ("--disk-size", "DiskSize", "Disk tier budget, e.g. 10GB. Default: 10GB."),
        ("--data-dir", "DataDir", "Disk tier directory. Default: ./edgecache-data."),
        ("--max-object-size", "MaxObjectSize", "Largest object the cache stores. Default: 512MB."),
        ("--heap-limit", "HeapLimit", "GC heap hard limit: auto (from the memory tier's budget and the other buffers, plus 64MB), off, or a larger size. Default: off."),
        ("--redis", "Redis", "Redis connection string: adds the shared tier and backplane. Default: off."),
        ("--admin-listen", "AdminListen", "Admin listener URL (status page, purge, metrics, health). Default: http://127.0.0.1:8788."),
        ("--admin-token", "AdminToken", "Bearer token required by the admin endpoints. Default: none."),
        ("--tls-certificate", "CertificatePath", "TLS certificate for an https --listen: a .pfx file, or a PEM file with --tls-key. Default: none (or Kestrel:Certificates:Default)."),
        ("--tls-key", "CertificateKeyPath", "PEM private key for a PEM --tls-certificate. Default: none."),
        ("--tls-password", "CertificatePassword", "Password of the .pfx file or encrypted PEM key. Default: none."),
        ("--origin-ca-file", "OriginCaFile", "PEM CA certificates to trust for an https origin, besides the system's. Default: none."),
        ("--otlp-endpoint", "OtlpEndpoint", "OTLP collector for metrics and traces, e.g. http://127.0.0.1:4317. Default: off."),
    ];

    /// <summary>
    /// Parses <paramref name="args"/> and runs the server. <paramref name="ownsProcess"/> says the server is the process
    /// (the edgecache executable), not a guest in a test host: only then does it set process-wide runtime settings such
    /// as the GC's heap limit (<see cref="GcHeapLimit"/>).
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null, bool ownsProcess = false)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        var root = new RootCommand("edgecache: a programmable HTTP edge cache (Cloudflare Workers' Cache API and an RFC 9111 caching proxy) for .NET.");
        var options = new List<(Option<string> Option, string Setting)>();
        foreach (var (flag, setting, help) in Flags)
        {
            var option = new Option<string>(flag) { Description = help };
            root.Options.Add(option);
            options.Add((option, setting));
        }

        var accessLog = new Option<bool>("--access-log") { Description = "Log one line per request (method, URL, status, cache status, bytes, duration). Default: off." };
        root.Options.Add(accessLog);

        var watch = new Option<bool>("--watch") { Description = "With --worker: reload the script when it changes; requests in flight finish on the old version. Default: off." };
        root.Options.Add(watch);

        var config = new Option<string>("--config") { Description = "A JSON settings file (same shape as appsettings.json: an \"EdgeCache\" section)." };
        root.Options.Add(config);

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                await error.WriteLineAsync($"edgecache: {e.Message}").ConfigureAwait(false);
            }

            await error.WriteLineAsync("Run 'edgecache --help' for the list of flags.").ConfigureAwait(false);
            return UsageError;
        }

        var exitCode = 0;
        root.SetAction(async (result, cancellationToken) =>
        {
            var values = new Dictionary<string, string?>();
            foreach (var (option, setting) in options)
            {
                if (result.GetResult(option) is not null)
                {
                    values[$"{ServerSettings.SectionName}:{setting}"] = result.GetValue(option);
                }
            }

            // A bool option reports an implicit result (its default) when absent: only a flag the user
            // typed may override the environment or a file.
            if (result.GetResult(accessLog) is { Implicit: false })
            {
                values[$"{ServerSettings.SectionName}:AccessLog"] = result.GetValue(accessLog) ? "true" : "false";
            }

            if (result.GetResult(watch) is not null)
            {
                values[$"{ServerSettings.SectionName}:Watch"] = result.GetValue(watch) ? "true" : "false";
            }

            var configFile = result.GetValue(config);
            if (configFile is not null && !File.Exists(configFile))
            {
                await error.WriteLineAsync($"edgecache: --config file '{configFile}' does not exist.").ConfigureAwait(false);
                exitCode = UsageError;
                return UsageError;
            }

            WebApplication app;
            try
            {
                app = EdgeCacheServer.Build(args, c => c.AddInMemoryCollection(values), configFile: configFile);
            }
            catch (SettingsException ex)
            {
                foreach (var message in ex.Errors)
                {
                    await error.WriteLineAsync($"edgecache: {message}").ConfigureAwait(false);
                }

                exitCode = UsageError;
                return UsageError;
            }

            if (ownsProcess)
            {
                ApplyHeapLimit(app);
            }

            // Read before the run: the host disposes its services (the lifetime with them) when it ends.
            var stopping = app.Lifetime.ApplicationStopping;
            try
            {
                await app.RunAsync().ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // Stopped before it had started (during the warm-up, say): a stop that was asked for, not a failure.
            }

            return 0;
        });

        var code = await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }).ConfigureAwait(false);
        return exitCode != 0 ? exitCode : code;
    }

    // Before the first request: the heap has committed a few MB for start-up, well under any limit the settings allow.
    private static void ApplyHeapLimit(WebApplication app)
    {
        var settings = app.Services.GetRequiredService<ServerSettings>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeCache.Server");
        if (settings.HeapLimitBytes == 0)
        {
            return;
        }

        if (GcHeapLimit.SetByRuntimeConfiguration())
        {
            ServerLog.HeapLimitLeftToRuntime(logger, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes >> 20);
            return;
        }

        // A container's memory limit already gave the runtime one (75% of it): a derived limit above that would raise it.
        var current = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (current > 0 && current <= settings.HeapLimitBytes)
        {
            ServerLog.HeapLimitLeftToRuntime(logger, current >> 20);
            return;
        }

        if (GcHeapLimit.TryApply(settings.HeapLimitBytes, out var refused))
        {
            ServerLog.HeapLimitSet(logger, settings.HeapLimitBytes >> 20, settings.HeapLimit);
        }
        else
        {
            ServerLog.HeapLimitRefused(logger, settings.HeapLimitBytes >> 20, refused ?? string.Empty);
        }
    }
}
