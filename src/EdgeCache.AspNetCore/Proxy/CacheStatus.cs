using System.Globalization;
using System.Text;

namespace EdgeCache.AspNetCore.Proxy;

/// <summary>
/// One member of the <c>Cache-Status</c> field (RFC 9211) and the matching Cloudflare
/// <c>cf-cache-status</c> value, for one response.
/// </summary>
internal readonly record struct CacheStatus(string Cf, bool Hit = false, string? Forward = null, int ForwardStatus = 0, long? Ttl = null, bool Stored = false, bool Collapsed = false, string? Detail = null)
{
    public const string CfHeader = "cf-cache-status";
    public const string Header = "Cache-Status";

    /// <summary>Formats the member, e.g. <c>EdgeCache; fwd=uri-miss; fwd-status=200; stored</c>.</summary>
    public string Format(string cacheName)
    {
        var builder = new StringBuilder(cacheName, 80);
        if (Hit)
        {
            builder.Append("; hit");
        }

        if (Forward is not null)
        {
            builder.Append("; fwd=").Append(Forward);
        }

        if (ForwardStatus > 0)
        {
            builder.Append("; fwd-status=").Append(ForwardStatus.ToString(CultureInfo.InvariantCulture));
        }

        if (Ttl is { } ttl)
        {
            builder.Append("; ttl=").Append(ttl.ToString(CultureInfo.InvariantCulture));
        }

        if (Stored)
        {
            builder.Append("; stored");
        }

        if (Collapsed)
        {
            builder.Append("; collapsed");
        }

        if (Detail is not null)
        {
            builder.Append("; detail=").Append(Detail);
        }

        return builder.ToString();
    }
}
