namespace EdgeCache.AspNetCore.Proxy;

/// <summary>Which <c>Host</c> the caching proxy sends to the origin.</summary>
public enum HostHeaderMode
{
    /// <summary>The origin's own host and port (from <see cref="CachingProxyOptions.Origin"/>). The cache key uses it too.</summary>
    Origin,

    /// <summary>The client's <c>Host</c>, unchanged (for origins that serve several sites). The cache key uses it, so sites never share entries.</summary>
    PassThrough,
}
