using System.Globalization;

namespace EdgeCache.Semantics;

/// <summary>HTTP-date parsing and formatting (RFC 9110 section 5.6.7).</summary>
public static class HttpDate
{
    private static readonly string[] DayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

    private static readonly string[] LongDayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

    private static readonly string[] MonthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>
    /// Accepts exactly the three forms RFC 9110 section 5.6.7 says a recipient must accept — IMF-fixdate
    /// (<c>Sun, 06 Nov 1994 08:49:37 GMT</c>), obsolete RFC 850 (<c>Sunday, 06-Nov-94 08:49:37 GMT</c>) and
    /// obsolete asctime (<c>Sun Nov  6 08:49:37 1994</c>) — with their case and spacing, and nothing else (an
    /// invalid Expires then means already expired, RFC 9111 section 5.3). Only the optional white space
    /// around a field value is ignored. Never throws.
    /// </summary>
    /// <param name="text">The field value.</param>
    /// <param name="value">The date, in UTC.</param>
    /// <param name="now">For RFC 850's two-digit year: a year more than 50 years ahead of this is read as the past century's (section 5.6.7). Default: the system clock.</param>
    public static bool TryParse(string? text, out DateTimeOffset value, DateTimeOffset? now = null)
    {
        value = default;
        if (text is null)
        {
            return false;
        }

        var s = text.AsSpan().Trim(" \t");
        return s.Length switch
        {
            29 => TryParseStrict(s, out value),
            24 => TryParseAsctime(s, out value),
            >= 30 and <= 33 => TryParseRfc850(s, now ?? TimeProvider.System.GetUtcNow(), out value),
            _ => false,
        };
    }

    /// <summary>
    /// Accepts only IMF-fixdate (<c>Sun, 06 Nov 1994 08:49:37 GMT</c>, exactly), as Cloudflare does for
    /// If-Modified-Since. Like Cloudflare, it does not check that the day name agrees with the date,
    /// but the date itself must exist. Never throws.
    /// </summary>
    public static bool TryParseStrict(string? text, out DateTimeOffset value)
        => TryParseStrict(text.AsSpan(), out value);

    private static bool TryParseStrict(ReadOnlySpan<char> s, out DateTimeOffset value)
    {
        value = default;
        if (s.Length != 29)
        {
            return false;
        }

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

    // asctime-date = day-name SP month SP ( 2DIGIT / ( SP DIGIT ) ) SP time-of-day SP year
    private static bool TryParseAsctime(ReadOnlySpan<char> s, out DateTimeOffset value)
    {
        value = default;
        if (IndexOf(DayNames, s[..3]) < 0 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[19] != ' ')
        {
            return false;
        }

        var dayText = s.Slice(8, 2);
        return TryDate(year: s.Slice(20, 4), month: s.Slice(4, 3), day: dayText[0] == ' ' ? dayText[1..] : dayText, time: s.Slice(11, 8), out value);
    }

    // rfc850-date = day-name-l "," SP 2DIGIT "-" month "-" 2DIGIT SP time-of-day SP GMT
    private static bool TryParseRfc850(ReadOnlySpan<char> s, DateTimeOffset now, out DateTimeOffset value)
    {
        value = default;
        var comma = s.IndexOf(',');
        if (comma < 0 || IndexOf(LongDayNames, s[..comma]) < 0)
        {
            return false;
        }

        var rest = s[(comma + 1)..];
        if (rest.Length != 23 || rest[0] != ' ' || rest[3] != '-' || rest[7] != '-' || rest[10] != ' ' || rest[19] != ' ' || !rest[20..].SequenceEqual("GMT")
            || !TryDigits(rest.Slice(8, 2), out var twoDigits))
        {
            return false;
        }

        // Section 5.6.7: more than 50 years in the future means the most recent past year with these digits.
        var year = (now.Year / 100 * 100) + twoDigits;
        if (year > now.Year + 50)
        {
            year -= 100;
        }

        Span<char> yearText = stackalloc char[4];
        year.TryFormat(yearText, out _, "D4", CultureInfo.InvariantCulture);
        return TryDate(yearText, rest.Slice(4, 3), rest.Slice(1, 2), rest.Slice(11, 8), out value);
    }

    private static bool TryDate(ReadOnlySpan<char> year, ReadOnlySpan<char> month, ReadOnlySpan<char> day, ReadOnlySpan<char> time, out DateTimeOffset value)
    {
        value = default;
        var m = IndexOf(MonthNames, month) + 1;
        if (m == 0 || time[2] != ':' || time[5] != ':'
            || !TryDigits(year, out var y) || !TryDigits(day, out var d)
            || !TryDigits(time[..2], out var hour) || !TryDigits(time.Slice(3, 2), out var minute) || !TryDigits(time.Slice(6, 2), out var second)
            || y < 1 || d < 1 || d > DateTime.DaysInMonth(y, m) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        value = new DateTimeOffset(y, m, d, hour, minute, second, TimeSpan.Zero);
        return true;
    }

    /// <summary>Formats an instant as an IMF-fixdate (RFC 9110 section 5.6.7).</summary>
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
