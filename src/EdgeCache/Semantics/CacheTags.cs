namespace EdgeCache.Semantics;

/// <summary>Reads <c>Cache-Tag</c> values (comma-separated, like Cloudflare's) into a distinct list.</summary>
internal static class CacheTags
{
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
