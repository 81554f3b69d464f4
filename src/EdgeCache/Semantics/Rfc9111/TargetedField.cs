using System.Text;

namespace EdgeCache.Semantics.Rfc9111;

/// <summary>
/// RFC 9213 section 2.1: a targeted field (CDN-Cache-Control) is a Structured Field Dictionary
/// (RFC 8941 section 3.2). A value that does not parse as one is ignored as a whole; a directive
/// whose value has the wrong type (e.g. <c>max-age="60"</c>, a String) is ignored on its own.
/// </summary>
internal static class TargetedField
{
    private static readonly HashSet<string> NumericDirectives = new(StringComparer.Ordinal)
    {
        "max-age", "s-maxage", "stale-while-revalidate", "stale-if-error",
    };

    /// <summary>
    /// Rewrites a dictionary into Cache-Control syntax for <see cref="CacheControlDirectives"/>, or
    /// returns null when it is not a valid dictionary (the field is then ignored).
    /// </summary>
    public static string? ToCacheControl(string value)
    {
        var text = value.AsSpan().Trim(" \t");
        if (text.IsEmpty)
        {
            return null;
        }

        var output = new StringBuilder(text.Length);
        var i = 0;
        while (true)
        {
            // key = ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" )
            var keyStart = i;
            if (i >= text.Length || !(IsLcAlpha(text[i]) || text[i] == '*'))
            {
                return null;
            }

            while (i < text.Length && (IsLcAlpha(text[i]) || char.IsAsciiDigit(text[i]) || text[i] is '_' or '-' or '.' or '*'))
            {
                i++;
            }

            var key = text[keyStart..i].ToString();
            string? argument = null;
            var keep = true;
            if (i < text.Length && text[i] == '=')
            {
                i++;
                if (!TryReadBareItem(text, ref i, out var kind, out var item))
                {
                    return null;
                }

                if (kind == ItemKind.Boolean)
                {
                    keep = item == "?1";
                }
                else if (NumericDirectives.Contains(key) && kind != ItemKind.Integer)
                {
                    keep = false;
                }
                else
                {
                    argument = item;
                }
            }
            else if (NumericDirectives.Contains(key))
            {
                keep = false; // a bare key is Boolean true, not a number
            }

            // Parameters (";name=value") are allowed and carry nothing this cache uses.
            while (i < text.Length && text[i] == ';')
            {
                i++;
                while (i < text.Length && text[i] == ' ')
                {
                    i++;
                }

                var paramStart = i;
                while (i < text.Length && (IsLcAlpha(text[i]) || char.IsAsciiDigit(text[i]) || text[i] is '_' or '-' or '.' or '*'))
                {
                    i++;
                }

                if (i == paramStart)
                {
                    return null;
                }

                if (i < text.Length && text[i] == '=')
                {
                    i++;
                    if (!TryReadBareItem(text, ref i, out _, out _))
                    {
                        return null;
                    }
                }
            }

            if (keep)
            {
                if (output.Length > 0)
                {
                    output.Append(", ");
                }

                output.Append(key);
                if (argument is not null)
                {
                    output.Append('=').Append(argument);
                }
            }

            while (i < text.Length && text[i] is ' ' or '\t')
            {
                i++;
            }

            if (i >= text.Length)
            {
                return output.Length == 0 ? string.Empty : output.ToString();
            }

            if (text[i] != ',')
            {
                return null;
            }

            i++;
            while (i < text.Length && text[i] is ' ' or '\t')
            {
                i++;
            }

            if (i >= text.Length)
            {
                return null; // trailing comma
            }
        }
    }

    private enum ItemKind
    {
        Integer,
        Decimal,
        String,
        Token,
        ByteSequence,
        Boolean,
    }

    private static bool TryReadBareItem(ReadOnlySpan<char> text, ref int i, out ItemKind kind, out string item)
    {
        kind = ItemKind.Token;
        item = string.Empty;
        if (i >= text.Length)
        {
            return false;
        }

        var start = i;
        var c = text[i];
        if (c == '-' || char.IsAsciiDigit(c))
        {
            i++;
            var digits = c == '-' ? 0 : 1;
            var dot = false;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || (text[i] == '.' && !dot)))
            {
                dot |= text[i] == '.';
                digits += text[i] == '.' ? 0 : 1;
                i++;
            }

            if (digits == 0 || digits > 15 || text[i - 1] == '.')
            {
                return false;
            }

            kind = dot ? ItemKind.Decimal : ItemKind.Integer;
            item = text[start..i].ToString();
            return true;
        }

        if (c == '"')
        {
            i++;
            var builder = new StringBuilder("\"");
            while (i < text.Length && text[i] != '"')
            {
                if (text[i] == '\\')
                {
                    if (i + 1 >= text.Length || text[i + 1] is not ('"' or '\\'))
                    {
                        return false;
                    }

                    builder.Append(text[i]);
                    i++;
                }
                else if (text[i] is < ' ' or > '~')
                {
                    return false;
                }

                builder.Append(text[i]);
                i++;
            }

            if (i >= text.Length)
            {
                return false;
            }

            i++;
            kind = ItemKind.String;
            item = builder.Append('"').ToString();
            return true;
        }

        if (c == '?')
        {
            if (i + 1 < text.Length && text[i + 1] is '0' or '1')
            {
                i += 2;
                kind = ItemKind.Boolean;
                item = text[start..i].ToString();
                return true;
            }

            return false;
        }

        if (c == ':')
        {
            i++;
            while (i < text.Length && text[i] != ':')
            {
                i++;
            }

            if (i >= text.Length)
            {
                return false;
            }

            i++;
            kind = ItemKind.ByteSequence;
            item = text[start..i].ToString();
            return true;
        }

        if (char.IsAsciiLetter(c) || c == '*')
        {
            i++;
            while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || "!#$%&'*+-.^_`|~:/".Contains(text[i], StringComparison.Ordinal)))
            {
                i++;
            }

            kind = ItemKind.Token;
            item = text[start..i].ToString();
            return true;
        }

        return false;
    }

    private static bool IsLcAlpha(char c) => c is >= 'a' and <= 'z';
}
