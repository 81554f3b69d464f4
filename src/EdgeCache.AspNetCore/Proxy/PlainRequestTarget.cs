namespace EdgeCache.AspNetCore.Proxy;

/// <summary>
/// Recognises request paths and queries that <see cref="Uri"/> would leave exactly as they are, so the
/// origin URL and cache key can be built by concatenation instead of a parse on every hit. Anything
/// else (percent-escapes, dot segments, characters <see cref="Uri"/> escapes or rewrites) takes the
/// <see cref="Uri"/> path, so keys are the same either way.
/// </summary>
internal static class PlainRequestTarget
{
    // RFC 3986 unreserved and sub-delims, ':' '@' and '/': what Uri keeps as it is in an http(s) path.
    // Not '%' (Uri may decode or re-case escapes), '\' (becomes '/'), '[' ']' '#' or anything it escapes.
    private static readonly System.Buffers.SearchValues<char> PathChars = System.Buffers.SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/");

    // The query may also hold '?'.
    private static readonly System.Buffers.SearchValues<char> QueryChars = System.Buffers.SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?");

    /// <summary>True when a path (starting with '/') is kept byte for byte by <see cref="Uri"/>.</summary>
    public static bool IsPlainPath(ReadOnlySpan<char> path)
        => path.IndexOfAnyExcept(PathChars) < 0 && !HasDotSegment(path);

    /// <summary>True when a query (empty, or starting with '?') is kept byte for byte by <see cref="Uri"/>.</summary>
    public static bool IsPlainQuery(ReadOnlySpan<char> query)
        => query.IsEmpty || (query[0] == '?' && query[1..].IndexOfAnyExcept(QueryChars) < 0);

    // "/." starts every dot segment ("/./", "/../", a trailing "/." or "/.."); a name like "/.well-known"
    // only costs the slower path.
    private static bool HasDotSegment(ReadOnlySpan<char> path) => path.IndexOf("/.", StringComparison.Ordinal) >= 0;
}
