namespace EdgeCache.Http;

/// <summary>Connection-specific header fields (RFC 9110 section 7.6.1) that are never stored or forwarded.</summary>
public static class HopByHopHeaders
{
    private static readonly HashSet<string> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
        "Proxy-Authenticate", "Proxy-Authorization",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> NameLookup = Names.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>True when a field is connection-specific (RFC 9110 section 7.6.1), never forwarded nor stored.</summary>
    public static bool IsHopByHop(string name) => Names.Contains(name);

    /// <summary>The hop-by-hop names plus those listed in the message's <c>Connection</c> field.</summary>
    /// <remarks>Allocates only when <c>Connection</c> names a field beyond the standard ones (rare: usually it says keep-alive).</remarks>
    public static IReadOnlySet<string> For(IEnumerable<string>? connectionValues)
    {
        if (connectionValues is null)
        {
            return Names;
        }

        HashSet<string>? set = null;
        foreach (var value in connectionValues)
        {
            foreach (var range in value.AsSpan().Split(','))
            {
                var token = value.AsSpan()[range].Trim();
                if (token.IsEmpty || NameLookup.Contains(token))
                {
                    continue;
                }

                set ??= new HashSet<string>(Names, StringComparer.OrdinalIgnoreCase);
                set.Add(token.ToString());
            }
        }

        return set ?? (IReadOnlySet<string>)Names;
    }
}
