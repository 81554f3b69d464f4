using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.AspNetCore.Admin;

/// <summary>
/// The admin endpoints' rule: with a token configured, a caller must send <c>Authorization: Bearer
/// &lt;token&gt;</c> (compared in constant time); without one, only callers on a loopback address are
/// allowed (the server refuses a non-loopback admin listener without a token for the same reason), and
/// not a request that a proxy on this machine forwarded for someone else (it carries <c>Forwarded</c>,
/// <c>X-Forwarded-For</c> or <c>X-Real-IP</c>): behind a local reverse proxy every visitor would
/// otherwise look like a loopback caller.
/// </summary>
/// <param name="token">The admin token; null or empty allows loopback callers only.</param>
public sealed class AdminAuthorization(string? token)
{
    private const string Scheme = "Bearer ";

    private readonly byte[]? _token = string.IsNullOrEmpty(token) ? null : Encoding.UTF8.GetBytes(token);

    /// <summary>Whether the caller of <paramref name="context"/> may use the admin endpoints.</summary>
    public bool IsAllowed(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_token is null)
        {
            var headers = context.Request.Headers;
            return context.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote)
                && !headers.ContainsKey("Forwarded") && !headers.ContainsKey("X-Forwarded-For") && !headers.ContainsKey("X-Real-IP");
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var presented = Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(presented, _token);
    }
}
