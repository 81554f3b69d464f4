namespace EdgeCache.Semantics.Rfc9111;

/// <summary>RFC 9111 section 3: whether a shared cache may store a response.</summary>
public static class Storability
{
    /// <summary>Applies section 3 (and 3.5 for Authorization) to a GET's response.</summary>
    /// <param name="method">The request method.</param>
    /// <param name="request">The request's Cache-Control directives.</param>
    /// <param name="hasAuthorization">Whether the request carried Authorization.</param>
    /// <param name="response">The response's facts.</param>
    /// <param name="hasFreshness">Whether the response has any freshness (explicit or heuristic) or something to revalidate with.</param>
    public static StorageDecision Evaluate(string method, CacheControlDirectives request, bool hasAuthorization, ResponseFacts response, bool hasFreshness)
    {
        // Only GET is stored; HEAD is answered from the stored GET (section 4.3.5 is not used to create entries).
        if (!string.Equals(method, "GET", StringComparison.OrdinalIgnoreCase))
        {
            return new(StorageVerdict.MethodNotCacheable, []);
        }

        var status = response.Status;
        var cc = response.Directives;

        // Final status only; 206 (we keep only complete representations) and 304 (validation answers) are not stored.
        if (status < 200 || status is 206 or 304 || status > 999)
        {
            return new(StorageVerdict.Status, []);
        }

        // must-understand: store only statuses we understand, and then no-store is overridden (section 5.2.2.3).
        if (cc.MustUnderstand)
        {
            if (!CacheableStatus.IsUnderstood(status))
            {
                return new(StorageVerdict.Status, []);
            }
        }
        else if (cc.NoStore)
        {
            return new(StorageVerdict.ResponseNoStore, []);
        }

        if (request.NoStore)
        {
            return new(StorageVerdict.RequestNoStore, []);
        }

        if (cc.Private && cc.PrivateFields.Count == 0)
        {
            return new(StorageVerdict.Private, []);
        }

        if (hasAuthorization && !cc.Public && !cc.MustRevalidate && cc.SharedMaxAge is null)
        {
            return new(StorageVerdict.Authorization, []);
        }

        if (response.Vary is { } vary && VaryKey.HasStar(vary))
        {
            return new(StorageVerdict.VaryStar, []);
        }

        var explicitFreshness = cc.SharedMaxAge is not null || cc.MaxAge is not null || response.Expires is not null
            || cc.HasInvalidFreshness || cc.HasConflictingDuplicates || response.ExpiresConflict;
        var allowed = explicitFreshness || cc.Public || CacheableStatus.IsHeuristicallyCacheable(status)
            || cc.StaleWhileRevalidate is not null || cc.StaleIfError is not null;
        if (!allowed || !hasFreshness)
        {
            return new(StorageVerdict.NotCacheable, []);
        }

        return new(StorageVerdict.Store, Stripped(cc));
    }

    private static IReadOnlyList<string> Stripped(CacheControlDirectives cc)
    {
        if (cc.PrivateFields.Count == 0)
        {
            return cc.NoCacheFields;
        }

        if (cc.NoCacheFields.Count == 0)
        {
            return cc.PrivateFields;
        }

        return [.. cc.PrivateFields, .. cc.NoCacheFields];
    }
}
