using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

namespace EdgeCache.Soak;

/// <summary>
/// The origin: GET /g{G}/o{ID} answers the object's current version with ETag, Last-Modified, Cache-Tag,
/// Cache-Control and, for every body, Repr-Digest and Content-Digest; honours If-None-Match. Control routes
/// (the driver's only): POST /__bump?id= or ?group= (a new version), POST /__slow?ms=&amp;seconds=.
/// Versions live in a file so a stopped and restarted origin keeps them.
/// </summary>
internal static class SoakOrigin
{
    public static int Run(int port, string stateFile)
    {
        var versions = File.Exists(stateFile)
            ? JsonSerializer.Deserialize<Dictionary<string, long>>(File.ReadAllText(stateFile)) ?? []
            : [];
        var state = new ConcurrentDictionary<string, long>(versions);
        var digests = new ConcurrentDictionary<(int, long, string), string>();
        var slowUntil = DateTimeOffset.MinValue;
        var slowMs = 0;
        var saveLock = new object();

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port));
        builder.Logging.ClearProviders();
        var app = builder.Build();

        long VersionOf(int id) => state.GetValueOrDefault($"o{id}") + state.GetValueOrDefault($"g{SoakObject.GroupOf(id)}");

        app.MapPost("/__bump", (int? id, int? group) =>
        {
            var name = id is { } i ? $"o{i}" : $"g{group}";
            var next = state.AddOrUpdate(name, 1, (_, v) => v + 1);
            lock (saveLock)
            {
                File.WriteAllText(stateFile + ".tmp", JsonSerializer.Serialize(new Dictionary<string, long>(state)));
                File.Move(stateFile + ".tmp", stateFile, overwrite: true);
            }

            return Results.Text(next.ToString(CultureInfo.InvariantCulture));
        });
        app.MapPost("/__slow", (int ms, int seconds) =>
        {
            slowMs = ms;
            slowUntil = DateTimeOffset.UtcNow.AddSeconds(seconds);
            return Results.Ok();
        });
        app.MapGet("/__version", (int id) => Results.Text(VersionOf(id).ToString(CultureInfo.InvariantCulture)));

        app.MapGet("/g{group:int}/o{id:int}", async (HttpContext context, int group, int id) =>
        {
            if (DateTimeOffset.UtcNow < slowUntil)
            {
                await Task.Delay(slowMs, context.RequestAborted);
            }

            var version = VersionOf(id);
            var lang = "en";
            if (SoakObject.Varies(id))
            {
                var asked = context.Request.Headers.AcceptLanguage.ToString();
                lang = SoakObject.Languages.Contains(asked) ? asked : "en";
                context.Response.Headers.Vary = "Accept-Language";
            }

            var response = context.Response;
            var etag = SoakObject.ETagOf(id, version);
            response.Headers.CacheControl = SoakObject.CacheControlOf(id);
            response.Headers.ETag = etag;
            response.Headers.LastModified = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(version).ToString("r", CultureInfo.InvariantCulture);
            response.Headers["Cache-Tag"] = $"o{id}, g{group}";
            response.Headers["X-Soak-Version"] = version.ToString(CultureInfo.InvariantCulture);
            response.Headers["X-Soak-Generated"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            if (context.Request.Headers.IfNoneMatch.ToString().Contains(etag, StringComparison.Ordinal))
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                return;
            }

            var digest = digests.GetOrAdd((id, version, lang), static k => Convert.ToBase64String(SoakObject.Digest(k.Item1, k.Item2, k.Item3)));
            response.Headers["Repr-Digest"] = $"sha-256=:{digest}:";
            response.Headers["Content-Digest"] = $"sha-256=:{digest}:";
            response.ContentType = "application/octet-stream";
            var size = SoakObject.SizeOf(id);
            response.ContentLength = size;
            var buffer = new byte[Math.Min(size, 64 * 1024)];
            for (long at = 0; at < size; at += buffer.Length)
            {
                var n = (int)Math.Min(buffer.Length, size - at);
                SoakObject.Fill(id, version, lang, at, buffer.AsSpan(0, n));
                await response.Body.WriteAsync(buffer.AsMemory(0, n), context.RequestAborted);
            }
        });

        app.Run();
        return 0;
    }
}
