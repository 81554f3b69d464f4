namespace EdgeCache.Semantics.Rfc9111;

/// <summary>RFC 9111 section 4.4: which URIs a response to an unsafe request invalidates.</summary>
public static class Invalidation
{
    /// <summary>Safe methods (RFC 9110 section 9.2.1); every other method, known or not, is treated as unsafe.</summary>
    public static bool IsSafe(string method)
        => method is "GET" or "HEAD" or "OPTIONS" or "TRACE"
            || method.Equals("GET", StringComparison.OrdinalIgnoreCase) || method.Equals("HEAD", StringComparison.OrdinalIgnoreCase)
            || method.Equals("OPTIONS", StringComparison.OrdinalIgnoreCase) || method.Equals("TRACE", StringComparison.OrdinalIgnoreCase);

    /// <summary>Only a non-error status (2xx or 3xx) invalidates.</summary>
    public static bool Invalidates(string method, int status) => !IsSafe(method) && status is >= 200 and < 400;

    /// <summary>
    /// The target URI, plus the Location and Content-Location URIs when they have the same origin
    /// (scheme, host and port) as the target; relative references resolve against the target.
    /// </summary>
    public static List<Uri> Targets(Uri target, string? location, string? contentLocation)
    {
        var result = new List<Uri>(3) { target };
        Add(result, target, location);
        Add(result, target, contentLocation);
        return result;
    }

    private static void Add(List<Uri> result, Uri target, string? reference)
    {
        if (string.IsNullOrWhiteSpace(reference) || !Uri.TryCreate(target, reference.Trim(), out var uri))
        {
            return;
        }

        if (SameOrigin(target, uri) && !result.Contains(uri))
        {
            result.Add(uri);
        }
    }

    /// <summary>RFC 6454 origin equality for http(s) URIs.</summary>
    public static bool SameOrigin(Uri a, Uri b)
        => a.IsAbsoluteUri && b.IsAbsoluteUri
            && string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
            && a.Port == b.Port;
}
