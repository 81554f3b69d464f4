using System.Globalization;

namespace EdgeCache.Semantics;

/// <summary>HTTP-date parsing and formatting (RFC 9110 section 5.6.7).</summary>
internal static class HttpDate
{
    private static readonly string[] LenientFormats =
    [
        "r", // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
        "dddd, dd'-'MMM'-'yy HH':'mm':'ss 'GMT'", // obsolete RFC 850
        "ddd MMM d HH':'mm':'ss yyyy", // obsolete asctime
        "ddd MMM dd HH':'mm':'ss yyyy",
        "ddd, d MMM yyyy HH':'mm':'ss 'GMT'",
    ];

    /// <summary>Accepts the three forms a recipient must accept; never throws.</summary>
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        return DateTimeOffset.TryParseExact(
            text.Trim(), LenientFormats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out value);
    }

    /// <summary>Accepts only IMF-fixdate, as Cloudflare does for If-Modified-Since; never throws.</summary>
    public static bool TryParseStrict(string? text, out DateTimeOffset value)
    {
        value = default;
        return text is { Length: 29 }
            && DateTimeOffset.TryParseExact(text, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }

    public static string Format(DateTimeOffset value) => value.UtcDateTime.ToString("r", CultureInfo.InvariantCulture);
}
