namespace EdgeCache.Semantics.Rfc9111;

/// <summary>Why a response may or may not be stored (RFC 9111 section 3).</summary>
public enum StorageVerdict
{
    /// <summary>The response may be stored.</summary>
    Store,

    /// <summary>The request method is not cacheable by this cache (only GET is stored).</summary>
    MethodNotCacheable,

    /// <summary>The request carried <c>no-store</c>.</summary>
    RequestNoStore,

    /// <summary>The request carried <c>Authorization</c> and the response does not allow shared storage (section 3.5).</summary>
    Authorization,

    /// <summary>A status this cache does not store (1xx, 206, 304, or not understood with must-understand).</summary>
    Status,

    /// <summary>The response carried <c>no-store</c>.</summary>
    ResponseNoStore,

    /// <summary>The response carried unqualified <c>private</c>.</summary>
    Private,

    /// <summary>The response carried <c>Vary: *</c>.</summary>
    VaryStar,

    /// <summary>Neither explicit freshness, <c>public</c>, a heuristically cacheable status, nor anything to revalidate with.</summary>
    NotCacheable,

    /// <summary>The response sets a cookie and the cache's policy is not to store such responses.</summary>
    SetCookie,

    /// <summary>The origin marked the response <c>private</c> or <c>no-store</c>, and only a rule's edge TTL would have made it shareable.</summary>
    OriginPrivate,

    /// <summary>The response's Content-Type does not fit the extension a rule cached it by (cache deception armour).</summary>
    ContentTypeMismatch,

    /// <summary>The response varies on a request field a cache rule says to bypass.</summary>
    VaryBypassed,
}

/// <summary>The outcome of the storage rules for one response.</summary>
/// <param name="Verdict">Store, or why not.</param>
/// <param name="StrippedFields">Fields named by qualified <c>private="..."</c> / <c>no-cache="..."</c>, never stored.</param>
public readonly record struct StorageDecision(StorageVerdict Verdict, IReadOnlyList<string> StrippedFields)
{
    /// <summary>True when the response may be stored.</summary>
    public bool Store => Verdict == StorageVerdict.Store;

    /// <summary>
    /// True when the reason lies in the response alone, so the next request for the URL will very
    /// likely get an uncacheable answer too (the cue for hit-for-pass).
    /// </summary>
    public bool ResponseDriven => Verdict is StorageVerdict.ResponseNoStore or StorageVerdict.Private
        or StorageVerdict.VaryStar or StorageVerdict.NotCacheable or StorageVerdict.Status
        or StorageVerdict.SetCookie or StorageVerdict.OriginPrivate or StorageVerdict.ContentTypeMismatch
        or StorageVerdict.VaryBypassed;
}
