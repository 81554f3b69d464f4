namespace EdgeCache.Semantics;

/// <summary>Reads <c>Cache-Tag</c> values (comma-separated, like Cloudflare's) into a distinct list.</summary>
public static class CacheTags
{
    /// <summary>The response field that carries purge tags; like Cloudflare, this cache keeps it to itself.</summary>
    public const string Header = "Cache-Tag";

    /// <summary>True when a header name is <c>Cache-Tag</c> (a length check first: this runs per header on the hit path).</summary>
    public static bool IsHeader(string name) => name.Length == Header.Length && name.Equals(Header, StringComparison.OrdinalIgnoreCase);

    /// <summary>The tags of <c>Cache-Tag</c> field values (comma-separated and trimmed; empty ones and repeats dropped).</summary>
    public static IReadOnlyList<string> Parse(IEnumerable<string>? fieldValues)
    {
        if (fieldValues is null)
        {
            return [];
        }

        var tags = new List<string>();
        foreach (var value in fieldValues)
        {
            foreach (var tag in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!tags.Contains(tag))
                {
                    tags.Add(tag);
                }
            }
        }

        return tags;
    }
}
