namespace EdgeCache.AspNetCore.Proxy;

/// <summary>How a request stands to the origin fetch whose outcome it serves.</summary>
internal enum FetchRole
{
    /// <summary>It started the fetch (<c>MISS</c> / <c>EXPIRED</c>, <c>stored</c>).</summary>
    Leader,

    /// <summary>It arrived while the fetch was running and waited for it (<c>collapsed</c>, counted as such).</summary>
    Collapsed,

    /// <summary>It arrived after the fetch had the whole body, while the entry was still being stored: a <c>HIT</c>.</summary>
    AfterFill,
}
