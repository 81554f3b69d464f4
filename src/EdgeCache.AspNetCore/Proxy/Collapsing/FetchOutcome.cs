namespace EdgeCache.AspNetCore.Proxy;

/// <summary>What a (possibly collapsed) origin fetch produced.</summary>
internal enum FetchOutcomeKind
{
    /// <summary>A storable response whose body streams into a shared buffer: every collapsed request may serve it.</summary>
    Shared,

    /// <summary>An uncacheable response: only the leader may use it; others go to the origin themselves.</summary>
    Pass,

    /// <summary>The origin confirmed the stored response (304): serve the updated entry.</summary>
    Revalidated,

    /// <summary>Another node filled the key meanwhile; <see cref="FetchOutcome.Entry"/> is its stored copy.</summary>
    FilledElsewhere,

    /// <summary>The origin failed (refused, reset, timed out, or a 5xx while a stale copy may stand in).</summary>
    Failed,
}

/// <summary>The result of one origin fetch, handed to the leader and every collapsed request.</summary>
internal sealed class FetchOutcome
{
    public required FetchOutcomeKind Kind { get; init; }

    /// <summary>The status: the origin's, or the proxy's 502/504 for <see cref="FetchOutcomeKind.Failed"/> without an origin answer.</summary>
    public int Status { get; init; }

    /// <summary>The origin's status when it answered (for <c>fwd-status</c>); 0 when it did not.</summary>
    public int ForwardStatus { get; init; }

    /// <summary>For <see cref="FetchOutcomeKind.Shared"/>: the response headers as stored.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>
    /// For <see cref="FetchOutcomeKind.Shared"/>: the headers the leader gets, which include fields named by a
    /// qualified <c>private</c> / <c>no-cache</c> (its own; never stored, never given to others).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> LeaderHeaders { get; init; } = [];

    /// <summary>For <see cref="FetchOutcomeKind.Shared"/>: the body as it streams in.</summary>
    public GrowingBuffer? Buffer { get; init; }

    /// <summary>The declared body length, or -1.</summary>
    public long DeclaredLength { get; init; } = -1;

    /// <summary>The key the response is stored under (the variant key when it varies).</summary>
    public string VariantKey { get; init; } = string.Empty;

    /// <summary>The Vary marker's generation, when the response varies.</summary>
    public string Generation { get; init; } = string.Empty;

    /// <summary>The canonical Vary field names (empty when the response does not vary).</summary>
    public string VaryNames { get; init; } = string.Empty;

    /// <summary>Corrected initial age of the response (RFC 9111 section 4.2.3).</summary>
    public TimeSpan InitialAge { get; init; }

    /// <summary>The origin's own Age header, if it sent one (the leader gets that, not an age of this cache's making).</summary>
    public long? OriginAge { get; init; }

    /// <summary>When the response arrived.</summary>
    public DateTimeOffset ResponseTime { get; init; }

    /// <summary>Its freshness lifetime.</summary>
    public TimeSpan FreshnessLifetime { get; init; }

    /// <summary>For <see cref="FetchOutcomeKind.Pass"/>: the response, owned by the leader.</summary>
    public HttpResponseMessage? Response { get; init; }

    /// <summary>For <see cref="FetchOutcomeKind.Revalidated"/>: the 304's <c>Set-Cookie</c> lines, for the request that caused it only.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> LeaderCookies { get; init; } = [];

    /// <summary>For <see cref="FetchOutcomeKind.Revalidated"/>: the updated entry.</summary>
    public CacheEntry? Entry { get; init; }

    /// <summary>For <see cref="FetchOutcomeKind.Failed"/>: why, for the log and the Cache-Status detail.</summary>
    public string? Error { get; init; }

    /// <summary>
    /// For <see cref="FetchOutcomeKind.Failed"/> without any answer from the origin (refused, reset, closed or
    /// timed out before a response, or a body that broke before a byte was sent on): how, as in <see cref="Error"/>.
    /// Null when the origin answered (a 5xx) or the request could not be made.
    /// </summary>
    public string? Disconnected { get; init; }
}
