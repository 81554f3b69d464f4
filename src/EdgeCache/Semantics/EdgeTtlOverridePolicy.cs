using System.Net;
using EdgeCache.Http;

namespace EdgeCache.Semantics;

/// <summary>
/// Storing under a forced edge TTL (Cloudflare's <c>cacheTtl</c> / <c>cacheTtlByStatus</c>): the
/// origin's freshness headers (max-age, s-maxage, Expires, no-cache) are overridden, but responses
/// that belong to one user (<c>private</c>, <c>no-store</c>, <c>Set-Cookie</c>, an answer to an
/// <c>Authorization</c> request without <c>public</c> / <c>s-maxage</c> / <c>must-revalidate</c>) are still never stored,
/// and responses that can never be stored whole (206, 304, 101, <c>Vary: *</c>) are not either.
/// </summary>
internal static class EdgeTtlOverridePolicy
{
    /// <summary>Whether and how a response is stored under a forced edge TTL.</summary>
    /// <param name="hasAuthorization">The request carried <c>Authorization</c> (RFC 9111 section 3.5).</param>
    /// <param name="response">The origin's response.</param>
    /// <param name="ttl">The forced TTL.</param>
    public static WorkersPutDecision Evaluate(bool hasAuthorization, HttpResponseMessage response, TimeSpan ttl)
    {
        if (ttl <= TimeSpan.Zero)
        {
            return WorkersPutDecision.NotStored(ttl == TimeSpan.MinValue ? "cacheTtlByStatus says not to cache this status" : "the edge TTL is 0: expires at once");
        }

        if (response.StatusCode is HttpStatusCode.PartialContent or HttpStatusCode.NotModified or HttpStatusCode.SwitchingProtocols)
        {
            return WorkersPutDecision.NotStored($"status {(int)response.StatusCode} is never stored whole");
        }

        var vary = HttpMessageHeaders.Joined(response.Headers, response.Content, "Vary");
        if (vary is not null && vary.Contains('*', StringComparison.Ordinal))
        {
            return WorkersPutDecision.NotStored("Vary: *");
        }

        var cc = CacheControlDirectives.Parse(HttpMessageHeaders.Values(response.Headers, response.Content, "Cache-Control"));
        if (cc.NoStore)
        {
            return WorkersPutDecision.NotStored("Cache-Control: no-store (an edge TTL never shares what the origin forbade storing)");
        }

        if (hasAuthorization && !cc.Public && !cc.MustRevalidate && cc.SharedMaxAge is null)
        {
            return WorkersPutDecision.NotStored("the request carried Authorization and the response does not allow sharing (RFC 9111 section 3.5)");
        }

        var stripped = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (cc.Private)
        {
            if (cc.PrivateFields.Count == 0)
            {
                return WorkersPutDecision.NotStored("Cache-Control: private (an edge TTL never shares a private response)");
            }

            stripped.UnionWith(cc.PrivateFields);
        }

        if (!stripped.Contains("Set-Cookie") && HttpMessageHeaders.Values(response.Headers, response.Content, "Set-Cookie") is not null)
        {
            return WorkersPutDecision.NotStored("Set-Cookie (an edge TTL never shares a cookie)");
        }

        return new WorkersPutDecision(true, "stored with an edge TTL", ttl, TimeSpan.Zero, stripped);
    }
}
