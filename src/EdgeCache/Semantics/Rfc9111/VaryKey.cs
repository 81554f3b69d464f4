using System.Text;

namespace EdgeCache.Semantics.Rfc9111;

/// <summary>How one varied request field's value selects a variant.</summary>
public enum VaryFieldMode
{
    /// <summary>Read as a weighted list (<c>token;q=0.5, ...</c>) where it parses as one: case, white space and the order of members of equal rank are ignored.</summary>
    Normalize,

    /// <summary>The value exactly as the client sent it (field lines combined) selects the variant.</summary>
    PassThrough,
}

/// <summary>
/// RFC 9111 section 4.1: the key of one variant of a URL whose responses vary on request fields.
/// Field values are normalised as the RFC allows: field lines combined, white space around list
/// separators and runs of white space collapsed, and case folded for fields whose values are
/// case-insensitive. <c>Accept-Encoding</c> and <c>Accept-Language</c> are read as weighted lists
/// (RFC 9110 section 12.4.2), so values that differ only in the order of members of equal rank select
/// the same variant. An absent field only matches an absent field; <c>Vary: *</c> never matches.
/// </summary>
public static class VaryKey
{
    private const char Separator = '\u001f';
    private const string Absent = "\u0001";

    // Marks a value written escaped (AppendValue); a control itself, so a value written as it is never holds one.
    private const char Escape = '\u0002';

    // The controls a value is escaped for: all of C0 but HTAB, which values may hold (and Normalize collapses).
    private static readonly System.Buffers.SearchValues<char> Controls = System.Buffers.SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000A\u000B\u000C\u000D\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F");

    /// <summary>Fields whose values are case-insensitive tokens, so case may be folded.</summary>
    private static readonly HashSet<string> CaseInsensitiveFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "Accept", "Accept-Encoding", "Accept-Language", "Accept-Charset", "TE", "Origin", "Sec-Fetch-Mode", "Sec-Fetch-Dest",
    };

    /// <summary>Fields read as weighted lists by default (RFC 9110 sections 12.5.3 and 12.5.4).</summary>
    private static readonly HashSet<string> WeightedListFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "Accept-Encoding", "Accept-Language",
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
    /// <param name="modes">Per-field handling that replaces the default (from cache rules), or null.</param>
    public static string Build<TState>(string primaryKey, string generation, string canonicalNames, TState state, Func<TState, string, string?> getField, IReadOnlyDictionary<string, VaryFieldMode>? modes = null)
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
            if (value is null)
            {
                builder.Append(Absent);
            }
            else if (modes is not null && modes.TryGetValue(name, out var mode))
            {
                AppendValue(builder, mode == VaryFieldMode.PassThrough ? value : NormalizeWeighted(value) ?? Normalize(name, value));
            }
            else
            {
                AppendValue(builder, Normalize(name, value));
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// Writes a present field's value so that no value reads as another one, as an absent field or as the next
    /// field: as it is when it holds no control character but HTAB (every value a real client sends, so those keys
    /// are unchanged), else after an <see cref="Escape"/> mark with each such control written as the mark and two
    /// hex digits. Kestrel accepts controls other than CR, LF and NUL in a field value; written raw, a value of
    /// U+0001 was the key of an absent field, so one request with <c>X-Requested-With: \u0001</c> stored the
    /// origin's answer to a request that has the field for every request that has not.
    /// </summary>
    private static void AppendValue(StringBuilder builder, string value)
    {
        if (!value.AsSpan().ContainsAny(Controls))
        {
            builder.Append(value);
            return;
        }

        builder.Append(Escape);
        foreach (var c in value)
        {
            if (Controls.Contains(c))
            {
                builder.Append(Escape).Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }
    }

    /// <summary>
    /// Normalises one field value: a weighted-list field by <see cref="NormalizeWeighted"/> when it parses as one;
    /// otherwise list separators and white space collapsed, and case folded where the field allows it.
    /// </summary>
    public static string Normalize(string name, string value)
    {
        if (!WeightedListFields.Contains(name))
        {
            return NormalizeList(name, value);
        }

        // A value that becomes a weighted list once its white space is collapsed ("br ;q=0.5") is read as
        // one too, so that normalising a normalised value changes nothing.
        return NormalizeWeighted(value) ?? (NormalizeList(name, value) is var list && NormalizeWeighted(list) is { } weighted ? weighted : list);
    }

    /// <summary>
    /// A weighted list (<c>gzip, br;q=0.8</c>, <c>en-GB, en;q=0.7</c>) in one canonical form: members lower-cased,
    /// white space and empty members dropped, <c>q</c> written canonically (absent for 1), exact repeats removed,
    /// and members ordered by weight, highest first, then by name, so that members of equal rank may come in any
    /// order. Null when the value is not such a list (another parameter, an invalid weight): it is then not reordered.
    /// </summary>
    public static string? NormalizeWeighted(string value)
    {
        var members = new List<(string Token, int Weight)>();
        foreach (var range in value.AsSpan().Split(','))
        {
            var member = value.AsSpan()[range].Trim(" \t");
            if (member.IsEmpty)
            {
                continue;
            }

            var weight = 1000;
            var semicolon = member.IndexOf(';');
            var token = (semicolon < 0 ? member : member[..semicolon]).TrimEnd(" \t");
            if (token.IsEmpty || token.ContainsAny(" \t\"="))
            {
                return null;
            }

            if (semicolon >= 0)
            {
                var parameter = member[(semicolon + 1)..].Trim(" \t");
                if (parameter.Length < 2 || (parameter[0] | 0x20) != 'q' || parameter[1] != '=' || !TryParseWeight(parameter[2..], out weight))
                {
                    return null;
                }
            }

            var entry = (token.ToString().ToLowerInvariant(), weight);
            if (!members.Contains(entry))
            {
                members.Add(entry);
            }
        }

        members.Sort(static (a, b) => a.Weight != b.Weight ? b.Weight.CompareTo(a.Weight) : string.CompareOrdinal(a.Token, b.Token));
        var builder = new StringBuilder(value.Length);
        foreach (var (token, weight) in members)
        {
            if (builder.Length > 0)
            {
                builder.Append(',');
            }

            builder.Append(token);
            if (weight != 1000)
            {
                builder.Append(";q=").Append((weight / 1000m).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    /// <summary>RFC 9110 section 12.4.2: <c>qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )</c>, in thousandths.</summary>
    private static bool TryParseWeight(ReadOnlySpan<char> text, out int thousandths)
    {
        thousandths = 0;
        if (text.IsEmpty || text[0] is not ('0' or '1') || text.Length > 5 || (text.Length > 1 && text[1] != '.'))
        {
            return false;
        }

        var fraction = text.Length > 2 ? text[2..] : [];
        var value = 0;
        for (var i = 0; i < 3; i++)
        {
            var digit = i < fraction.Length ? fraction[i] : '0';
            if (!char.IsAsciiDigit(digit))
            {
                return false;
            }

            value = (value * 10) + (digit - '0');
        }

        if (text[0] == '1' && value != 0)
        {
            return false;
        }

        thousandths = text[0] == '1' ? 1000 : value;
        return true;
    }

    private static string NormalizeList(string name, string value)
    {
        var builder = new StringBuilder(value.Length);
        var pendingSpace = false;
        // Only SP and HTAB are white space in a field value (RFC 9110 section 5.6.3).
        foreach (var c in value.AsSpan().Trim(" \t"))
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
