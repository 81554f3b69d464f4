using System.Globalization;

namespace EdgeCache.Server.Rules;

/// <summary>Reads durations written as seconds (<c>3600</c>), with a unit (<c>90s</c>, <c>30m</c>, <c>2h</c>, <c>7d</c>) or as a TimeSpan (<c>01:00:00</c>).</summary>
internal static class Duration
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        if (long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return TryScale(seconds, 1, out value);
        }

        var unit = s[^1];
        if (char.IsLetter(unit) && long.TryParse(s.AsSpan(0, s.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            switch (char.ToLowerInvariant(unit))
            {
                case 's': return TryScale(amount, 1, out value);
                case 'm': return TryScale(amount, 60, out value);
                case 'h': return TryScale(amount, 3600, out value);
                case 'd': return TryScale(amount, 86400, out value);
                default: return false;
            }
        }

        return TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero;
    }

    // A number too large for a TimeSpan is not a duration (the fuzzer found that TimeSpan.FromSeconds threw on one,
    // failing the whole rules file with an exception instead of naming the field).
    private static bool TryScale(long amount, long secondsPerUnit, out TimeSpan value)
    {
        if (amount > (long)TimeSpan.MaxValue.TotalSeconds / secondsPerUnit)
        {
            value = default;
            return false;
        }

        value = TimeSpan.FromSeconds(amount * secondsPerUnit);
        return true;
    }
}
