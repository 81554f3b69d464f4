using System.Globalization;
using EdgeCache.AspNetCore.Proxy;

namespace EdgeCache.Server.Rules;

/// <summary>
/// Applies rule actions to an origin response before the proxy reads it. The edge TTL becomes this cache's
/// own targeted field (<see cref="ProxyCachePolicyFeature.EdgeCacheControlField"/>: it governs this cache
/// only and never leaves it, while the origin's own <c>CDN-Cache-Control</c> still goes on to downstream
/// caches); the browser TTL rewrites <c>Cache-Control</c>, after the origin's own value is kept for the edge
/// in that field; tags are appended to <c>Cache-Tag</c>.
/// </summary>
internal static class OriginResponseRewrite
{
    private const string EdgeField = ProxyCachePolicyFeature.EdgeCacheControlField;

    public static void Apply(HttpResponseMessage response, CacheFetchOptions ttls, bool respectOrigin, TimeSpan? browserTtl, IReadOnlyList<string>? tags)
    {
        var headers = response.Headers;
        var ttl = ttls.TtlFor((int)response.StatusCode);
        if (ttl is { } edge && !(respectOrigin && HasOriginPolicy(response)))
        {
            headers.Remove(EdgeField);
            headers.TryAddWithoutValidation(EdgeField, edge <= TimeSpan.Zero ? "no-store" : "max-age=" + Seconds(edge));
        }

        if (browserTtl is { } browser)
        {
            if (!HasTargetedPolicy(response) && headers.NonValidated.TryGetValues("Cache-Control", out var originCc))
            {
                headers.TryAddWithoutValidation(EdgeField, originCc.ToString());
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
            || HasTargetedPolicy(response)
            || (response.Content?.Headers.NonValidated.Contains("Expires") ?? false);

    private static bool HasTargetedPolicy(HttpResponseMessage response)
        => response.Headers.NonValidated.Contains(EdgeField)
            || response.Headers.NonValidated.Contains("CDN-Cache-Control")
            || response.Headers.NonValidated.Contains("Surrogate-Control");

    private static string Seconds(TimeSpan value) => ((long)value.TotalSeconds).ToString(CultureInfo.InvariantCulture);
}
