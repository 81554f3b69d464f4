using EdgeCache.AspNetCore.Admin;
using EdgeCache.Server.Settings;
using EdgeCache.Server.Status;
using EdgeCache.Storage;

namespace EdgeCache.Server.Admin;

/// <summary>The admin listener's endpoints: health (open), purge, statistics and the status page's data (token when configured).</summary>
internal static class AdminEndpoints
{
    public static void Map(WebApplication admin, IServiceProvider main)
    {
        var settings = main.GetRequiredService<ServerSettings>();
        var store = main.GetRequiredService<ICacheStore>();
        var authorization = new AdminAuthorization(settings.AdminToken);
        var executor = new PurgeExecutor(store, settings);
        var logger = main.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeCache.Admin");

        admin.MapGet("/healthz", () => Results.Text("ok\n"));
        admin.MapGet("/readyz", () =>
        {
            var stats = store.GetStatistics();
            return Results.Json(new ReadyResponse("ready", stats.Name, stats.Entries, stats.Bytes), AdminJsonContext.Default.ReadyResponse);
        });

        Func<HttpContext, Task<IResult>> purge = context => PurgeEndpoint.HandleAsync(context, authorization, executor.ExecuteAsync, logger);
        admin.MapPost("/purge_cache", purge);

        admin.MapGet("/stats", (HttpContext context) => !authorization.IsAllowed(context)
            ? Unauthorized()
            : Results.Json(store.GetStatistics(), AdminJsonContext.Default.StoreStatistics));

        StatusEndpoints.Map(admin, main.GetRequiredService<StatusReporter>(), authorization);
    }

    private static IResult Unauthorized() => PurgeEndpoint.Unauthorized();
}

/// <summary>The readiness answer.</summary>
internal sealed record ReadyResponse(string Status, string Store, long Entries, long Bytes);

[System.Text.Json.Serialization.JsonSerializable(typeof(ReadyResponse))]
[System.Text.Json.Serialization.JsonSerializable(typeof(StoreStatistics))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
internal sealed partial class AdminJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
