namespace EdgeCache.Semantics.Rfc9111;

/// <summary>The outcome of evaluating a request's preconditions against a stored representation.</summary>
public enum PreconditionOutcome
{
    /// <summary>No precondition stops the request: answer normally.</summary>
    Proceed,

    /// <summary>Answer 304 Not Modified (GET or HEAD).</summary>
    NotModified,

    /// <summary>Answer 412 Precondition Failed.</summary>
    PreconditionFailed,
}

/// <summary>
/// RFC 9110 section 13.2.2: a cache answering conditional requests from a stored response, in the
/// order the RFC prescribes. Also RFC 9111 section 4.3.2 (Date as the fallback for If-Modified-Since).
/// </summary>
public static class Preconditions
{
    /// <summary>Evaluates If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since.</summary>
    /// <param name="method">The request method.</param>
    /// <param name="status">The stored status; preconditions apply only to 2xx representations.</param>
    /// <param name="ifMatch">The If-Match value, or null.</param>
    /// <param name="ifNoneMatch">The If-None-Match value, or null.</param>
    /// <param name="ifModifiedSince">The If-Modified-Since value, or null.</param>
    /// <param name="ifUnmodifiedSince">The If-Unmodified-Since value, or null.</param>
    /// <param name="etag">The stored ETag, or null.</param>
    /// <param name="lastModified">The stored Last-Modified, or null.</param>
    /// <param name="date">The stored Date (or reception time), used when there is no Last-Modified.</param>
    public static PreconditionOutcome Evaluate(
        string method, int status,
        string? ifMatch, string? ifNoneMatch, string? ifModifiedSince, string? ifUnmodifiedSince,
        string? etag, DateTimeOffset? lastModified, DateTimeOffset? date)
    {
        if (status is < 200 or >= 300)
        {
            return PreconditionOutcome.Proceed;
        }

        var getOrHead = method.Equals("GET", StringComparison.OrdinalIgnoreCase) || method.Equals("HEAD", StringComparison.OrdinalIgnoreCase);

        // Step 1: If-Match (strong comparison; "*" matches any current representation).
        if (!string.IsNullOrWhiteSpace(ifMatch))
        {
            if (!MatchesAny(ifMatch, etag, strong: true))
            {
                return PreconditionOutcome.PreconditionFailed;
            }
        }
        else if (!string.IsNullOrWhiteSpace(ifUnmodifiedSince) && HttpDate.TryParse(ifUnmodifiedSince, out var unmodifiedSince))
        {
            // Step 2: If-Unmodified-Since, ignored when the stored response has no Last-Modified.
            if (lastModified is { } lm && lm > unmodifiedSince)
            {
                return PreconditionOutcome.PreconditionFailed;
            }
        }

        // Step 3: If-None-Match (weak comparison).
        if (!string.IsNullOrWhiteSpace(ifNoneMatch))
        {
            if (MatchesAny(ifNoneMatch, etag, strong: false))
            {
                return getOrHead ? PreconditionOutcome.NotModified : PreconditionOutcome.PreconditionFailed;
            }

            return PreconditionOutcome.Proceed;
        }

        // Step 4: If-Modified-Since, for GET and HEAD only, with a valid date.
        if (getOrHead && !string.IsNullOrWhiteSpace(ifModifiedSince) && HttpDate.TryParse(ifModifiedSince, out var modifiedSince))
        {
            var reference = lastModified ?? date;
            if (reference is { } r && r <= modifiedSince)
            {
                return PreconditionOutcome.NotModified;
            }
        }

        return PreconditionOutcome.Proceed;
    }

    /// <summary>
    /// RFC 9110 section 13.1.5: whether If-Range lets the Range apply. An entity-tag must match strongly;
    /// a date must equal a strong Last-Modified (one at least a second older than Date).
    /// </summary>
    public static bool IfRangeHolds(string? ifRange, string? etag, DateTimeOffset? lastModified, DateTimeOffset? date)
    {
        if (string.IsNullOrWhiteSpace(ifRange))
        {
            return true;
        }

        var value = ifRange.Trim();
        if (value.StartsWith('"') || value.StartsWith("W/", StringComparison.Ordinal))
        {
            return EntityTag.StrongEquals(value, etag);
        }

        return HttpDate.TryParse(value, out var when)
            && lastModified is { } lm && lm == when
            && date is { } d && d - lm >= TimeSpan.FromSeconds(1);
    }

    private static bool MatchesAny(string field, string? etag, bool strong)
    {
        var trimmed = field.AsSpan().Trim();
        if (trimmed.SequenceEqual("*"))
        {
            return true;
        }

        if (etag is null || !EntityTag.TryGetOpaque(etag, out var stored, out var storedWeak))
        {
            return false;
        }

        if (strong && storedWeak)
        {
            return false;
        }

        foreach (var range in trimmed.Split(','))
        {
            if (EntityTag.TryGetOpaque(trimmed[range], out var candidate, out var weak)
                && (!strong || !weak) && candidate.SequenceEqual(stored))
            {
                return true;
            }
        }

        return false;
    }
}
