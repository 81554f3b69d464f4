using FsCheck;
using FsCheck.Fluent;

namespace EdgeCache.Tests.Workers;

/// <summary>A header value built to look like a Range field (and often not quite).</summary>
public sealed record RangeText(string Value)
{
    /// <inheritdoc />
    public override string ToString() => Value;
}

/// <summary>A header value built from Cache-Control vocabulary, well-formed or not.</summary>
public sealed record CacheControlText(string Value)
{
    /// <inheritdoc />
    public override string ToString() => Value;
}

/// <summary>A header value built from HTTP-date pieces, well-formed or not.</summary>
public sealed record DateText(string Value)
{
    /// <inheritdoc />
    public override string ToString() => Value;
}

/// <summary>A header value built from entity-tag pieces, well-formed or not.</summary>
public sealed record ETagText(string Value)
{
    /// <inheritdoc />
    public override string ToString() => Value;
}

/// <summary>
/// Generators for header values: half built from the field's own vocabulary (so the parser's
/// interesting paths are reached), half arbitrary Unicode strings (so nothing unexpected throws).
/// </summary>
public static class HeaderArbitraries
{
    public static Arbitrary<RangeText> Range() => Mixed(
        ["bytes", "BYTES", "items", "=", "-", "-", ",", ", ", " ", "\t", "0", "1", "9", "10", "49", "99", "100", "101", "5000",
            "9223372036854775807", "99999999999999999999", "a", "*", ";", "\""])
        .Select(s => new RangeText(s)).ToArbitrary();

    public static Arbitrary<CacheControlText> CacheControl() => Mixed(
        ["max-age", "s-maxage", "no-store", "no-cache", "private", "public", "must-revalidate", "proxy-revalidate",
            "stale-while-revalidate", "stale-if-error", "immutable", "Set-Cookie", "=", "=", ",", ", ", " ", "\"", "\\",
            "0", "1", "10", "-1", "2147483648", "99999999999999999999", "abc", ";", "\t"])
        .Select(s => new CacheControlText(s)).ToArbitrary();

    public static Arbitrary<DateText> Date() => Mixed(
        ["Wed", "Thu", "Wednesday", ", ", " ", "21", "1", "32", "Oct", "Feb", "oct", "2015", "15", "0001", "9999", "07:28:00",
            "24:00:00", "23:59:60", "GMT", "UTC", "+0000", "-", "T", "Z"])
        .Select(s => new DateText(s)).ToArbitrary();

    public static Arbitrary<ETagText> ETag() => Mixed(
        ["\"", "W/", "w/", "v1", "v2", "*", ",", ", ", " ", "\"v1\"", "W/\"v1\"", "\"\"", "\\", "\t"])
        .Select(s => new ETagText(s)).ToArbitrary();

    private static Gen<string> Mixed(string[] vocabulary)
    {
        var built = Gen.Elements(vocabulary).ArrayOf().Select(parts => string.Concat(parts));
        var anything = ArbMap.Default.ArbFor<string>().Generator.Select(s => s ?? string.Empty);
        return Gen.Frequency((3, built), (1, anything));
    }
}
