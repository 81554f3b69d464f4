using EdgeCache.AspNetCore.Admin;

namespace EdgeCache.Server.Status;

/// <summary>
/// The status page on the admin listener: <c>/</c> and <c>/status</c> serve the page shell, which
/// holds nothing sensitive and loads without a token; <c>/status.json</c> feeds it and needs the
/// admin token when one is configured. The content security policy lets the page load nothing but
/// its own script and stylesheet and talk to nothing but this listener.
/// </summary>
internal static class StatusEndpoints
{
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    public static void Map(WebApplication admin, StatusReporter reporter, AdminAuthorization authorization)
    {
        admin.MapGet("/", (HttpContext context) => Asset(context, StatusPageAssets.Html, "text/html; charset=utf-8"));
        admin.MapGet("/status", (HttpContext context) => Asset(context, StatusPageAssets.Html, "text/html; charset=utf-8"));
        admin.MapGet("/status.js", (HttpContext context) => Asset(context, StatusPageAssets.Script, "text/javascript; charset=utf-8"));
        admin.MapGet("/status.css", (HttpContext context) => Asset(context, StatusPageAssets.Stylesheet, "text/css; charset=utf-8"));
        admin.MapGet("/status.json", (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            return authorization.IsAllowed(context)
                ? Results.Json(reporter.Report(), StatusJsonContext.Default.StatusReport)
                : PurgeEndpoint.Unauthorized();
        });
    }

    private static IResult Asset(HttpContext context, byte[] content, string contentType)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "no-cache";
        headers["Referrer-Policy"] = "no-referrer";
        return Results.Bytes(content, contentType);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(StatusReport))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
internal sealed partial class StatusJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
