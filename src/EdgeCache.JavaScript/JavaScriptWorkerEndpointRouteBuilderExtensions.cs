using EdgeCache.AspNetCore;
using EdgeCache.JavaScript.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeCache.JavaScript;

/// <summary>Maps a Cloudflare Workers script as the request handler.</summary>
public static class JavaScriptWorkerEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Runs the Workers script at <paramref name="scriptPath"/> for every request, as
    /// <see cref="WorkerEndpointRouteBuilderExtensions.MapWorker(IEndpointRouteBuilder, Func{FetchEvent, Task{HttpResponseMessage}})"/> runs a C# handler: service-worker syntax
    /// (<c>addEventListener('fetch', e =&gt; e.respondWith(...))</c>) or ES module syntax
    /// (<c>export default { async fetch(request, env, ctx) { ... } }</c>), told apart automatically. The script's
    /// <c>caches</c>, <c>fetch</c> and <c>waitUntil</c> are the C# <see cref="CacheStorage"/>, origin client and
    /// <see cref="FetchEvent.WaitUntil"/>. The script is loaded and its top-level code run here, at start-up.
    /// An uncaught exception answers 500 (the JavaScript stack goes to the log), or the origin's response after
    /// <c>passThroughOnException()</c>.
    /// </summary>
    /// <exception cref="JavaScriptWorkerLoadException">
    /// The script cannot be read, does not parse (the message starts with <c>file:line:column</c>), throws at
    /// the top level, or registers no fetch handler.
    /// </exception>
    public static IEndpointConventionBuilder MapJavaScriptWorker(this IEndpointRouteBuilder endpoints, string scriptPath, Action<JavaScriptWorkerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(scriptPath);
        var options = new JavaScriptWorkerOptions();
        configure?.Invoke(options);
        options.Validate();

        var services = endpoints.ServiceProvider;
        var caches = services.GetRequiredService<CacheStorage>();
        var loggers = services.GetRequiredService<ILoggerFactory>();
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        WorkerRuntime Load() => WorkerRuntime.Start(scriptPath, options, caches, loggers, time);
        IWorkerVersion LoadVersion() => options.Engines == 1 ? Load() : LoadPool(Load, options.Engines);

        // Disposed after the hosted services stop: waitUntil work still settling needs the engine until the tracker has drained.
        if (options.Watch)
        {
            var watched = new WatchedWorker(scriptPath, LoadVersion, loggers, time);
            lifetime.ApplicationStopped.Register(watched.Dispose);
            return endpoints.MapWorker(watched.HandleAsync);
        }

        var version = LoadVersion();
        lifetime.ApplicationStopped.Register(version.Dispose);
        return endpoints.MapWorker(version.HandleAsync);
    }

    private static EnginePool LoadPool(Func<WorkerRuntime> load, int count)
    {
        var engines = new WorkerRuntime[count];
        try
        {
            for (var i = 0; i < engines.Length; i++)
            {
                engines[i] = load();
            }
        }
        catch
        {
            foreach (var engine in engines)
            {
                engine?.Dispose();
            }

            throw;
        }

        return new EnginePool(engines);
    }
}
