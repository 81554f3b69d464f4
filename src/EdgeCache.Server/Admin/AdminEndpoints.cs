using System.Text.Json;
using EdgeCache.Server.Status;
using EdgeCache.Storage;

namespace EdgeCache.Server.Admin;

/// <summary>The admin listener's endpoints: health (open), purge, statistics and the status page's data (token when configured).</summary>
internal static partial class AdminEndpoints
{
    /// <summary>Largest purge body accepted.</summary>
    private const int MaxBodyBytes = 4 * 1024 * 1024;

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

        admin.MapPost("/purge_cache", async (HttpContext context) =>
        {
            if (!authorization.IsAllowed(context))
            {
                return Unauthorized();
            }

            var body = await ReadBodyAsync(context.Request, context.RequestAborted).ConfigureAwait(false);
            if (body is null)
            {
                return Error(StatusCodes.Status413PayloadTooLarge, $"The body is larger than {MaxBodyBytes} bytes.");
            }

            var command = PurgeCommand.TryParse(body, out var error);
            if (command is null)
            {
                return Error(StatusCodes.Status400BadRequest, error);
            }

            var purged = await executor.ExecuteAsync(command, context.RequestAborted).ConfigureAwait(false);
            LogPurged(logger, purged, string.Join(", ", command.Requests.Select(r => $"{r.Kind}:{r.Value}{(r.Soft ? " (soft)" : string.Empty)}")));
            return Results.Json(
                new PurgeResponse(true, [], [], new PurgeResult(Guid.NewGuid().ToString("N"), purged)),
                AdminJsonContext.Default.PurgeResponse);
        });

        admin.MapGet("/stats", (HttpContext context) => !authorization.IsAllowed(context)
            ? Unauthorized()
            : Results.Json(store.GetStatistics(), AdminJsonContext.Default.StoreStatistics));

        StatusEndpoints.Map(admin, main.GetRequiredService<StatusReporter>(), authorization);
    }

    private static IResult Unauthorized()
        => Error(StatusCodes.Status401Unauthorized, "A valid admin token is required: send 'Authorization: Bearer <token>'.");

    private static IResult Error(int status, string message)
        => Results.Json(new PurgeResponse(false, [new ApiMessage(status, message)], [], null), AdminJsonContext.Default.PurgeResponse, statusCode: status);

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    [LoggerMessage(511, LogLevel.Information, "Purged {Count} entries ({What})")]
    private static partial void LogPurged(ILogger logger, long count, string what);
}

/// <summary>Cloudflare's API envelope.</summary>
internal sealed record PurgeResponse(bool Success, IReadOnlyList<ApiMessage> Errors, IReadOnlyList<ApiMessage> Messages, PurgeResult? Result);

/// <summary>One error or message of the envelope.</summary>
internal sealed record ApiMessage(int Code, string Message);

/// <summary>The purge's id and how many entries it removed or marked stale.</summary>
internal sealed record PurgeResult(string Id, long Purged);

/// <summary>The readiness answer.</summary>
internal sealed record ReadyResponse(string Status, string Store, long Entries, long Bytes);

[System.Text.Json.Serialization.JsonSerializable(typeof(PurgeResponse))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ReadyResponse))]
[System.Text.Json.Serialization.JsonSerializable(typeof(StoreStatistics))]
[System.Text.Json.Serialization.JsonSerializable(typeof(StatusReport))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
internal sealed partial class AdminJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
