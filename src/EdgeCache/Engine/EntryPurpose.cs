namespace EdgeCache.Entries;

/// <summary>Why a response is offered to the cache: the RFC 9111 rules differ a little for each.</summary>
public enum EntryPurpose
{
    /// <summary>The answer to a GET the cache sent to fill or revalidate an entry (the ordinary case).</summary>
    Fetch,

    /// <summary>A stored response refreshed by a 304 or a matching HEAD (RFC 9111 sections 4.3.4 and 4.3.5).</summary>
    Refresh,

    /// <summary>A 206 stored as a part of the representation (sections 3.3 and 3.4): it must be fresh and must not vary.</summary>
    Part,

    /// <summary>A POST's answer that names the target as its Content-Location (RFC 9110 section 9.3.3): explicit freshness only.</summary>
    PostResponse,
}
