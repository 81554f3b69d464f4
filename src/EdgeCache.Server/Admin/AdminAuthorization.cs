using System.Security.Cryptography;
using System.Text;

namespace EdgeCache.Server.Admin;

/// <summary>Checks the admin bearer token in constant time. With no token configured every caller is allowed (loopback only, see <see cref="ServerSettings"/>).</summary>
internal sealed class AdminAuthorization(string? token)
{
    private readonly byte[]? _token = string.IsNullOrEmpty(token) ? null : Encoding.UTF8.GetBytes(token);

    public bool IsAllowed(HttpContext context)
    {
        if (_token is null)
        {
            return true;
        }

        var header = context.Request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var presented = Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(presented, _token);
    }
}
