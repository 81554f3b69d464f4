using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.AspNetCore.Admin;

/// <summary>
/// The admin endpoints' rule: with a token configured, a caller must send <c>Authorization: Bearer
/// &lt;token&gt;</c> (compared in constant time); without one, only callers on a loopback address are
/// allowed (the server refuses a non-loopback admin listener without a token for the same reason).
/// </summary>
internal sealed class AdminAuthorization(string? token)
{
    private const string Scheme = "Bearer ";

    private readonly byte[]? _token = string.IsNullOrEmpty(token) ? null : Encoding.UTF8.GetBytes(token);

    public bool IsAllowed(HttpContext context)
    {
        if (_token is null)
        {
            return context.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote);
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
