namespace EdgeCache.Storage;

/// <summary>What a purge selects.</summary>
public enum PurgeKind
{
    /// <summary>Every entry.</summary>
    Everything,

    /// <summary>Entries carrying a tag (exact, case-sensitive match).</summary>
    Tag,

    /// <summary>Entries whose URL starts with a prefix.</summary>
    Prefix,

    /// <summary>Entries whose host equals a host name (case-insensitive).</summary>
    Host,

    /// <summary>Entries stored for exactly this URL (every variant and every cache that holds it).</summary>
    Url,
}

/// <summary>A purge: which entries it selects, and whether it removes them or only marks them stale.</summary>
/// <param name="Kind">What the purge selects on.</param>
/// <param name="Value">The tag, prefix or host; ignored for <see cref="PurgeKind.Everything"/>.</param>
/// <param name="Soft">When <see langword="true"/>, entries are marked stale (<see cref="EntryMetadata.Invalidated"/>) instead of removed.</param>
public sealed record PurgeRequest(PurgeKind Kind, string Value = "", bool Soft = false)
{
    /// <summary>Purges every entry.</summary>
    public static PurgeRequest Everything { get; } = new(PurgeKind.Everything);

    /// <summary>Whether an entry's metadata is selected by this purge.</summary>
    public bool Matches(EntryMetadata metadata) => Kind switch
    {
        PurgeKind.Everything => true,
        PurgeKind.Tag => Contains(metadata.Tags, Value),
        PurgeKind.Prefix => metadata.Url.StartsWith(Value, StringComparison.Ordinal),
        PurgeKind.Host => string.Equals(metadata.Host, Value, StringComparison.OrdinalIgnoreCase),
        PurgeKind.Url => string.Equals(metadata.Url, Value, StringComparison.Ordinal),
        _ => false,
    };

    private static bool Contains(IReadOnlyList<string> tags, string tag)
    {
        for (var i = 0; i < tags.Count; i++)
        {
            if (string.Equals(tags[i], tag, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
