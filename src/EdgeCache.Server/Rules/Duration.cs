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
            value = TimeSpan.FromSeconds(seconds);
            return true;
        }

        var unit = s[^1];
        if (char.IsLetter(unit) && long.TryParse(s.AsSpan(0, s.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            switch (char.ToLowerInvariant(unit))
            {
                case 's': value = TimeSpan.FromSeconds(amount); return true;
                case 'm': value = TimeSpan.FromMinutes(amount); return true;
                case 'h': value = TimeSpan.FromHours(amount); return true;
                case 'd': value = TimeSpan.FromDays(amount); return true;
                default: return false;
            }
        }

        return TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero;
    }
}
