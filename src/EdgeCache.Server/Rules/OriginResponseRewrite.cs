using System.Globalization;

namespace EdgeCache.Server.Rules;

/// <summary>
/// Applies rule actions to an origin response before the proxy reads it. The edge TTL becomes a
/// <c>CDN-Cache-Control</c> (RFC 9213: it governs this cache only and is removed before the response
/// leaves); the browser TTL rewrites <c>Cache-Control</c>, after the origin's own value is kept for the
/// edge as <c>CDN-Cache-Control</c>; tags are appended to <c>Cache-Tag</c>.
/// </summary>
internal static class OriginResponseRewrite
{
    private const string CdnCacheControl = "CDN-Cache-Control";

    public static void Apply(HttpResponseMessage response, CacheFetchOptions ttls, bool respectOrigin, TimeSpan? browserTtl, IReadOnlyList<string>? tags)
    {
        var headers = response.Headers;
        var ttl = ttls.TtlFor((int)response.StatusCode);
        if (ttl is { } edge && !(respectOrigin && HasOriginPolicy(response)))
        {
            headers.Remove(CdnCacheControl);
            headers.Remove("Surrogate-Control");
            headers.TryAddWithoutValidation(CdnCacheControl, edge <= TimeSpan.Zero ? "no-store" : "max-age=" + Seconds(edge));
        }

        if (browserTtl is { } browser)
        {
            if (!headers.NonValidated.Contains(CdnCacheControl) && headers.NonValidated.TryGetValues("Cache-Control", out var originCc))
            {
                headers.TryAddWithoutValidation(CdnCacheControl, originCc.ToString());
            }

            headers.Remove("Cache-Control");
            headers.TryAddWithoutValidation("Cache-Control", "max-age=" + Seconds(browser));
        }

        if (tags is { Count: > 0 })
        {
            headers.TryAddWithoutValidation("Cache-Tag", string.Join(",", tags));
        }
    }

    private static bool HasOriginPolicy(HttpResponseMessage response)
        => response.Headers.NonValidated.Contains("Cache-Control")
            || response.Headers.NonValidated.Contains(CdnCacheControl)
            || response.Headers.NonValidated.Contains("Surrogate-Control")
            || (response.Content?.Headers.NonValidated.Contains("Expires") ?? false);

    private static string Seconds(TimeSpan value) => ((long)value.TotalSeconds).ToString(CultureInfo.InvariantCulture);
}
