using System.Globalization;

namespace EdgeCache.Semantics;

/// <summary>HTTP-date parsing and formatting (RFC 9110 section 5.6.7).</summary>
internal static class HttpDate
{
    private static readonly string[] ObsoleteFormats =
    [
        "dddd, dd'-'MMM'-'yy HH':'mm':'ss 'GMT'", // obsolete RFC 850
        "ddd MMM d HH':'mm':'ss yyyy", // obsolete asctime
        "ddd MMM dd HH':'mm':'ss yyyy",
        "ddd, d MMM yyyy HH':'mm':'ss 'GMT'",
    ];

    private static readonly string[] DayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

    private static readonly string[] MonthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>Accepts the three forms a recipient must accept; never throws.</summary>
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        return TryParseStrict(trimmed, out value)
            || DateTimeOffset.TryParseExact(
                trimmed, ObsoleteFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out value);
    }

    /// <summary>
    /// Accepts only IMF-fixdate (<c>Sun, 06 Nov 1994 08:49:37 GMT</c>, exactly), as Cloudflare does for
    /// If-Modified-Since. Like Cloudflare, it does not check that the day name agrees with the date,
    /// but the date itself must exist. Never throws.
    /// </summary>
    public static bool TryParseStrict(string? text, out DateTimeOffset value)
    {
        value = default;
        if (text is not { Length: 29 })
        {
            return false;
        }

        var s = text.AsSpan();
        if (IndexOf(DayNames, s[..3]) < 0 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' '
            || s[16] != ' ' || s[19] != ':' || s[22] != ':' || s[25] != ' ' || !s[26..].SequenceEqual("GMT"))
        {
            return false;
        }

        var month = IndexOf(MonthNames, s.Slice(8, 3)) + 1;
        if (month == 0
            || !TryDigits(s.Slice(5, 2), out var day) || !TryDigits(s.Slice(12, 4), out var year)
            || !TryDigits(s.Slice(17, 2), out var hour) || !TryDigits(s.Slice(20, 2), out var minute)
            || !TryDigits(s.Slice(23, 2), out var second)
            || year < 1 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        value = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero);
        return true;
    }

    public static string Format(DateTimeOffset value) => value.UtcDateTime.ToString("r", CultureInfo.InvariantCulture);

    private static int IndexOf(string[] names, ReadOnlySpan<char> candidate)
    {
        for (var i = 0; i < names.Length; i++)
        {
            if (candidate.SequenceEqual(names[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool TryDigits(ReadOnlySpan<char> digits, out int value)
    {
        value = 0;
        foreach (var c in digits)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }
}
