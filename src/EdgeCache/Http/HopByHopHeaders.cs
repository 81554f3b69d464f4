namespace EdgeCache.Http;

/// <summary>Connection-specific header fields (RFC 9110 section 7.6.1) that are never stored or forwarded.</summary>
internal static class HopByHopHeaders
{
    private static readonly HashSet<string> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
        "Proxy-Authenticate", "Proxy-Authorization",
    };

    public static bool IsHopByHop(string name) => Names.Contains(name);

    /// <summary>The hop-by-hop names plus those listed in the message's <c>Connection</c> field.</summary>
    public static HashSet<string> For(IEnumerable<string>? connectionValues)
    {
        var set = new HashSet<string>(Names, StringComparer.OrdinalIgnoreCase);
        if (connectionValues is not null)
        {
            foreach (var value in connectionValues)
            {
                foreach (var token in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    set.Add(token);
                }
            }
        }

        return set;
    }
}
