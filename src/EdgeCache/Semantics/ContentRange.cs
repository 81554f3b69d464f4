using System.Globalization;

namespace EdgeCache.Semantics;

/// <summary>RFC 9110 section 14.4: a <c>Content-Range</c> of one satisfied byte range with a known complete length (<c>bytes 0-99/1000</c>).</summary>
public readonly record struct ContentRange(long First, long Last, long CompleteLength)
{
    /// <summary>The number of bytes in the range.</summary>
    public long Length => Last - First + 1;

    /// <summary>Parses <c>bytes first-last/complete</c>; false for anything else (an unknown length <c>*</c>, an unsatisfied range, bad numbers).</summary>
    public static bool TryParse(string? value, out ContentRange range)
    {
        range = default;
        var text = value.AsSpan().Trim(" \t");
        if (!text.StartsWith("bytes ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        text = text[6..].TrimStart(' ');
        var dash = text.IndexOf('-');
        var slash = text.IndexOf('/');
        if (dash <= 0 || slash <= dash + 1
            || !long.TryParse(text[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            || !long.TryParse(text[(dash + 1)..slash], NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            || !long.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var complete)
            || last < first || last >= complete)
        {
            return false;
        }

        range = new ContentRange(first, last, complete);
        return true;
    }

    /// <summary>The field value.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"bytes {First}-{Last}/{CompleteLength}");
}
