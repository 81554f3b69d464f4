using EdgeCache.AspNetCore.Bridge;
using EdgeCache.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EdgeCache.AspNetCore;

/// <summary>The Kestrel connection middleware the caching proxy relies on, for a host that runs it on its own listeners.</summary>
public static class EdgeCacheListenOptionsExtensions
{
    /// <summary>
    /// Adds, on <paramref name="listen"/>, the capture of the field names a client lists in <c>Connection</c>
    /// (RFC 9110 section 7.6.1; Kestrel does not keep them), so that the proxy drops those fields; and, when
    /// <paramref name="directSend"/> is given, first and next to the socket, the output that lets large stored
    /// bodies go out without Kestrel's copy (sendfile(2) for a disk-tier file), counted in <paramref name="directSend"/>.
    /// Call it before TLS is added (in <c>ConfigureEndpointDefaults</c>).
    /// </summary>
    public static ListenOptions UseEdgeCacheConnections(this ListenOptions listen, DirectSendCounters? directSend = null)
    {
        ArgumentNullException.ThrowIfNull(listen);
        if (directSend is not null)
        {
            listen.Use(DirectSendConnection.Middleware(directSend));
        }

        listen.Use(ConnectionNominatedFields.Capture);
        return listen;
    }
}
