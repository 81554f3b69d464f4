using System.Globalization;
using System.Runtime.CompilerServices;

namespace EdgeCache.AspNetCore.Proxy;

/// <summary>
/// One member of the <c>Cache-Status</c> field (RFC 9211) and the matching Cloudflare
/// <c>cf-cache-status</c> value (<see cref="Outcome"/>), for one response.
/// </summary>
internal readonly record struct CacheStatus(EdgeCacheStatus Outcome, bool Hit = false, string? Forward = null, int ForwardStatus = 0, long? Ttl = null, bool Stored = false, bool Collapsed = false, string? Detail = null)
{
    public const string Header = "Cache-Status";

    /// <summary>Formats the member, e.g. <c>EdgeCache; fwd=uri-miss; fwd-status=200; stored</c>.</summary>
    public string Format(string cacheName)
    {
        // Built on the stack: the only allocation is the header value itself.
        var value = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture, stackalloc char[128]);
        value.AppendLiteral(cacheName);
        if (Hit)
        {
            value.AppendLiteral("; hit");
        }

        if (Forward is not null)
        {
            value.AppendLiteral("; fwd=");
            value.AppendLiteral(Forward);
        }

        if (ForwardStatus > 0)
        {
            value.AppendLiteral("; fwd-status=");
            value.AppendFormatted(ForwardStatus);
        }

        if (Ttl is { } ttl)
        {
            value.AppendLiteral("; ttl=");
            value.AppendFormatted(ttl);
        }

        if (Stored)
        {
            value.AppendLiteral("; stored");
        }

        if (Collapsed)
        {
            value.AppendLiteral("; collapsed");
        }

        if (Detail is not null)
        {
            value.AppendLiteral("; detail=");
            value.AppendLiteral(Detail);
        }

        return value.ToStringAndClear();
    }
}
