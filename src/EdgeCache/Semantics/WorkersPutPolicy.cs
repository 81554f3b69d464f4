using System.Net;
using EdgeCache.Http;

namespace EdgeCache.Semantics;

/// <summary>
/// Cloudflare's rules for <c>cache.put</c> (workers-cache-api-spec.md, items 10-28 and the
/// "EdgeCache decisions" table). Pure: headers and a clock in, a decision out.
/// </summary>
internal static class WorkersPutPolicy
{
    private static readonly TimeSpan MaxLifetime = TimeSpan.FromSeconds(CacheControlDirectives.MaxDeltaSeconds);

    /// <summary>
    /// Throws <see cref="ArgumentException"/> for the responses Cloudflare's put rejects
    /// (items 11, 12, 13, 15); otherwise returns whether and for how long to store.
    /// </summary>
    public static WorkersPutDecision Evaluate(HttpRequestMessage key, HttpResponseMessage response, CacheOptions options, DateTimeOffset now)
    {
        if (key.Method != HttpMethod.Get)
        {
            throw new ArgumentException("Cannot cache response to non-GET request.", nameof(key));
        }

        var status = (int)response.StatusCode;
        if (response.StatusCode == HttpStatusCode.PartialContent)
        {
            throw new ArgumentException("Cannot cache response to a range request (206 Partial Content).", nameof(response));
        }

        if (response.StatusCode == HttpStatusCode.SwitchingProtocols)
        {
            throw new ArgumentException("Cannot cache WebSocket upgrade response.", nameof(response));
        }

        var vary = HttpMessageHeaders.Values(response.Headers, response.Content, "Vary");
        if (vary is not null && vary.Any(v => v.Contains('*', StringComparison.Ordinal)))
        {
            throw new ArgumentException("Cannot cache response with 'Vary: *' header.", nameof(response));
        }

        if (response.StatusCode == HttpStatusCode.NotModified)
        {
            return WorkersPutDecision.NotStored("a 304 answers a conditional request and is never stored");
        }

        if (status < 200 || status is 500 or 502 or 503 or 504)
        {
            return WorkersPutDecision.NotStored($"status {status} is not cacheable by the Cache API");
        }

        var cc = CacheControlDirectives.Parse(HttpMessageHeaders.Values(response.Headers, response.Content, "Cache-Control"));
        if (cc.NoStore)
        {
            return WorkersPutDecision.NotStored("Cache-Control: no-store");
        }

        var stripped = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (cc.Private)
        {
            // private=Set-Cookie (quoted or not) is the one qualified form Cloudflare honours: the response
            // is stored without its Set-Cookie. Any other private, qualified or not, keeps it out of the cache.
            if (!OnlySetCookie(cc.PrivateFields))
            {
                return WorkersPutDecision.NotStored("Cache-Control: private");
            }

            stripped.Add("Set-Cookie");
        }

        if (stripped.Count == 0 && HttpMessageHeaders.Values(response.Headers, response.Content, "Set-Cookie") is not null)
        {
            return WorkersPutDecision.NotStored("Set-Cookie without Cache-Control: private=Set-Cookie");
        }

        if (cc.NoCache)
        {
            return WorkersPutDecision.NotStored("Cache-Control: no-cache (must revalidate, which match never does)");
        }

        if (cc.ProxyRevalidate)
        {
            return WorkersPutDecision.NotStored("Cache-Control: proxy-revalidate (must revalidate, which match never does)");
        }

        if (key.Headers.NonValidated.Contains("Authorization")
            && !cc.MustRevalidate && !cc.Public && cc.SharedMaxAge is null)
        {
            return WorkersPutDecision.NotStored("request has Authorization and the response lacks public, must-revalidate or s-maxage");
        }

        TimeSpan lifetime;
        if (cc.SharedMaxAge is { } sMaxAge)
        {
            lifetime = TimeSpan.FromSeconds(sMaxAge);
        }
        else if (cc.MaxAge is { } maxAge)
        {
            lifetime = TimeSpan.FromSeconds(maxAge);
        }
        else if (HttpMessageHeaders.Joined(response.Headers, response.Content, "Expires") is { } expires)
        {
            // An invalid Expires means "already expired" (RFC 9111 section 5.3). Expires counts from the
            // origin's Date, or from now when the Date is missing or unreadable.
            var date = HttpDate.TryParse(HttpMessageHeaders.Joined(response.Headers, response.Content, "Date"), out var d) ? d : now;
            lifetime = HttpDate.TryParse(expires, out var expiresAt) ? expiresAt - date : TimeSpan.Zero;
        }
        else if (options.DefaultEdgeTtl.TryGetValue(status, out var edgeTtl))
        {
            lifetime = edgeTtl;
        }
        else
        {
            return WorkersPutDecision.NotStored($"status {status} has no explicit freshness and no default edge TTL");
        }

        // Cloudflare counts the origin's Age against the lifetime (item 56).
        var initialAge = CacheControlDirectives.TryDelta(
            HttpMessageHeaders.Values(response.Headers, response.Content, "Age")?.FirstOrDefault()?.Trim(), out var age)
            ? TimeSpan.FromSeconds(age)
            : TimeSpan.Zero;

        // Lifetimes are capped like delta-seconds (RFC 9111 section 1.2.2), so no date arithmetic can overflow.
        if (lifetime > MaxLifetime)
        {
            lifetime = MaxLifetime;
        }

        if (lifetime <= initialAge)
        {
            return WorkersPutDecision.NotStored("the response is already stale (freshness lifetime not above its age)");
        }

        return new WorkersPutDecision(true, "stored", lifetime, initialAge, stripped);
    }

    private static bool OnlySetCookie(IReadOnlyList<string> fields)
    {
        if (fields.Count == 0)
        {
            return false;
        }

        foreach (var field in fields)
        {
            if (!field.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }
}
