using EdgeCache.Http;

namespace EdgeCache.Semantics.Rfc9111;

/// <summary>RFC 9111 section 3.2 (applied by 4.3.4): updating stored header fields from a 304.</summary>
public static class HeaderUpdate
{
    /// <summary>
    /// The stored fields with every field of the 304 added, replacing stored fields of the same name,
    /// except Content-Length, hop-by-hop fields and those the caller strips.
    /// </summary>
    public static List<KeyValuePair<string, string>> Merge(
        IReadOnlyList<KeyValuePair<string, string>> stored,
        IReadOnlyList<KeyValuePair<string, string>> notModified,
        IReadOnlyCollection<string> excluded)
    {
        var replaced = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, _) in notModified)
        {
            if (Updatable(name, excluded))
            {
                replaced.Add(name);
            }
        }

        var merged = new List<KeyValuePair<string, string>>(stored.Count + notModified.Count);
        foreach (var header in stored)
        {
            if (!replaced.Contains(header.Key))
            {
                merged.Add(header);
            }
        }

        foreach (var header in notModified)
        {
            if (replaced.Contains(header.Key))
            {
                merged.Add(header);
            }
        }

        return merged;
    }

    private static bool Updatable(string name, IReadOnlyCollection<string> excluded)
    {
        if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || HopByHopHeaders.IsHopByHop(name))
        {
            return false;
        }

        foreach (var x in excluded)
        {
            if (x.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }
}
