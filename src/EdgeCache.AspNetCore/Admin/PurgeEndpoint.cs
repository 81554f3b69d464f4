using EdgeCache.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EdgeCache.AspNetCore.Admin;

/// <summary>
/// <c>POST /purge_cache</c> with Cloudflare's body (<c>files</c>, <c>tags</c>, <c>prefixes</c>,
/// <c>hosts</c> or <c>purge_everything</c>, plus <c>soft</c>) and Cloudflare's answer envelope: the
/// server's admin listener and <see cref="EdgeCacheAdminEndpointRouteBuilderExtensions.MapEdgeCacheAdmin"/> share it.
/// </summary>
public static partial class PurgeEndpoint
{
    /// <summary>Largest purge body accepted.</summary>
    internal const int MaxBodyBytes = 4 * 1024 * 1024;

    /// <summary>
    /// Answers one purge call: 401 unless <paramref name="authorization"/> allows the caller, 413 for a body
    /// over 4 MB, 400 naming what is wrong with a bad body, 503 when <paramref name="execute"/> throws
    /// <see cref="PurgeIncompleteException"/>; otherwise the count <paramref name="execute"/> returns, in
    /// Cloudflare's envelope.
    /// </summary>
    public static async Task<IResult> HandleAsync(
        HttpContext context,
        AdminAuthorization authorization,
        Func<IReadOnlyList<PurgeRequest>, CancellationToken, Task<long>> execute,
        ILogger logger)
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

        long purged;
        try
        {
            purged = await execute(command.Requests, context.RequestAborted).ConfigureAwait(false);
        }
        catch (PurgeIncompleteException exception)
        {
            // Applied here, not known to reach every node: not a success (the caller retries; a retry is harmless).
            LogIncomplete(logger, exception.Purged, exception.Message);
            return Error(StatusCodes.Status503ServiceUnavailable, $"{exception.Message} It was applied on this node ({exception.Purged} entries); retry the purge.");
        }

        LogPurged(logger, purged, string.Join(", ", command.Requests.Select(r => $"{r.Kind}:{r.Value}{(r.Soft ? " (soft)" : string.Empty)}")));
        return Results.Json(
            new PurgeResponse(true, [], [], new PurgeResult(Guid.NewGuid().ToString("N"), purged)),
            PurgeJsonContext.Default.PurgeResponse);
    }

    /// <summary>The 401 answer in Cloudflare's envelope, for another admin endpoint that needs the token.</summary>
    public static IResult Unauthorized()
        => Error(StatusCodes.Status401Unauthorized, "A valid admin token is required: send 'Authorization: Bearer <token>'.");

    internal static IResult Error(int status, string message)
        => Results.Json(new PurgeResponse(false, [new ApiMessage(status, message)], [], null), PurgeJsonContext.Default.PurgeResponse, statusCode: status);

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

    [LoggerMessage(321, LogLevel.Information, "Purged {Count} entries ({What})")]
    private static partial void LogPurged(ILogger logger, long count, string what);

    [LoggerMessage(322, LogLevel.Warning, "Purge incomplete: {Count} entries purged on this node; {Reason}")]
    private static partial void LogIncomplete(ILogger logger, long count, string reason);
}
