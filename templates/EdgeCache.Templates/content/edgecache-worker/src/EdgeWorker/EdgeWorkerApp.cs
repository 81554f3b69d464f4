using EdgeCache.AspNetCore;

namespace EdgeWorker;

/// <summary>Builds the app: the Cache API and origin client (AddEdgeCache), and the worker (MapWorker).</summary>
public static class EdgeWorkerApp
{
    /// <summary>Builds the web application from the command line and appsettings.json.</summary>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var origin = builder.Configuration["EdgeCache:Origin"]
            ?? throw new InvalidOperationException("Set EdgeCache:Origin (appsettings.json or --EdgeCache:Origin URL): the origin to cache.");
        builder.Services.AddEdgeCache(o => o.Origin = new Uri(origin));

        var app = builder.Build();

        // addEventListener("fetch", event => event.respondWith(handleRequest(event)))
        app.MapWorker(Worker.HandleRequestAsync);
        return app;
    }
}
