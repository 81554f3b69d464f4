namespace EdgeCache.AspNetCore.Proxy;

/// <summary>Where a request goes and the key its response is cached under.</summary>
/// <param name="OriginUrl">The origin URL of the request (origin scheme and authority, the request's path and query), in <see cref="Uri.AbsoluteUri"/> form.</param>
/// <param name="Key">The cache key: scheme, host, path and query; empty when the request cannot be cached.</param>
/// <param name="HostHeader">The Host to send, or null to use the origin's.</param>
internal sealed record ProxyTarget(string OriginUrl, string Key, string? HostHeader)
{
    // The URL is canonical already (CanonicalTarget): Uri must send its path and query exactly as they are.
    private static readonly UriCreationOptions AsIs = new() { DangerousDisablePathAndQueryCanonicalization = true };

    private Uri? _originUri;

    /// <summary>
    /// The origin URL as a <see cref="Uri"/> whose path and query go on the wire exactly as in
    /// <see cref="OriginUrl"/> (no second decoding, no dot-segment removal), parsed on first use: a fresh
    /// hit needs only the key, so the parse is paid on the paths that go to the origin.
    /// </summary>
    public Uri OriginUri => _originUri ??= new Uri(OriginUrl, in AsIs);
}
