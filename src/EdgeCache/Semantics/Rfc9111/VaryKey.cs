using System.Text;

namespace EdgeCache.Semantics.Rfc9111;

/// <summary>
/// RFC 9111 section 4.1: the key of one variant of a URL whose responses vary on request fields.
/// Field values are normalised as the RFC allows: field lines combined, white space around list
/// separators and runs of white space collapsed, and case folded for fields whose values are
/// case-insensitive. An absent field only matches an absent field; <c>Vary: *</c> never matches.
/// </summary>
internal static class VaryKey
{
    private const char Separator = '\u001f';
    private const string Absent = "\u0001";

    /// <summary>Fields whose values are case-insensitive tokens, so case may be folded.</summary>
    private static readonly HashSet<string> CaseInsensitiveFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "Accept", "Accept-Encoding", "Accept-Language", "Accept-Charset", "TE", "Origin", "Sec-Fetch-Mode", "Sec-Fetch-Dest",
    };

    /// <summary>True when the Vary value lists <c>*</c>.</summary>
    public static bool HasStar(string vary)
    {
        foreach (var range in vary.AsSpan().Split(','))
        {
            if (vary.AsSpan()[range].Trim().SequenceEqual("*"))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The field names of a Vary value, lower-cased, de-duplicated and joined with ", " (empty when none).</summary>
    public static string CanonicalNames(string? vary)
    {
        if (string.IsNullOrWhiteSpace(vary))
        {
            return string.Empty;
        }

        var names = new List<string>();
        foreach (var part in vary.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var name = part.ToLowerInvariant();
            if (!names.Contains(name))
            {
                names.Add(name);
            }
        }

        return string.Join(", ", names);
    }

    /// <summary>
    /// The store key of the variant that a request selects: the primary key, the marker's generation,
    /// then each varied field's normalised value from the request.
    /// </summary>
    /// <param name="primaryKey">The URL's key.</param>
    /// <param name="generation">The marker's generation (a new one after each invalidation, so old variants are unreachable).</param>
    /// <param name="canonicalNames">The names from <see cref="CanonicalNames"/>.</param>
    /// <param name="state">Passed to <paramref name="getField"/>.</param>
    /// <param name="getField">Returns a request field's combined value, or null when absent.</param>
    public static string Build<TState>(string primaryKey, string generation, string canonicalNames, TState state, Func<TState, string, string?> getField)
    {
        var builder = new StringBuilder(primaryKey.Length + generation.Length + 64);
        builder.Append(primaryKey).Append(Separator).Append("vary").Append(Separator).Append(generation);
        foreach (var range in canonicalNames.AsSpan().Split(','))
        {
            var name = canonicalNames.AsSpan()[range].Trim().ToString();
            if (name.Length == 0)
            {
                continue;
            }

            builder.Append(Separator).Append(name).Append('=');
            var value = getField(state, name);
            builder.Append(value is null ? Absent : Normalize(name, value));
        }

        return builder.ToString();
    }

    /// <summary>Normalises one field value: list separators and white space collapsed; case folded where the field allows it.</summary>
    public static string Normalize(string name, string value)
    {
        var builder = new StringBuilder(value.Length);
        var pendingSpace = false;
        foreach (var c in value.AsSpan().Trim())
        {
            if (c is ' ' or '\t')
            {
                pendingSpace = true;
                continue;
            }

            if (c == ',')
            {
                // "a , b" and "a,b" are the same list.
                builder.Append(',');
                pendingSpace = false;
                continue;
            }

            if (pendingSpace && builder.Length > 0 && builder[^1] != ',')
            {
                builder.Append(' ');
            }

            pendingSpace = false;
            builder.Append(c);
        }

        var normalized = builder.ToString();
        return CaseInsensitiveFields.Contains(name) ? normalized.ToLowerInvariant() : normalized;
    }
}
