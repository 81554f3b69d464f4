using System.Globalization;

namespace EdgeCache.Server.Settings;

/// <summary>Reads sizes such as <c>256MB</c>, <c>2GB</c>, <c>512k</c> or <c>1048576</c> (binary multiples).</summary>
internal static class ByteSize
{
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        var end = s.Length;
        while (end > 0 && char.IsLetter(s[end - 1]))
        {
            end--;
        }

        long multiplier = s[end..].ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "K" or "KB" or "KIB" => 1L << 10,
            "M" or "MB" or "MIB" => 1L << 20,
            "G" or "GB" or "GIB" => 1L << 30,
            "T" or "TB" or "TIB" => 1L << 40,
            _ => 0,
        };

        if (multiplier == 0
            || !decimal.TryParse(s[..end].Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            || value < 0
            || value * multiplier > long.MaxValue)
        {
            return false;
        }

        bytes = (long)(value * multiplier);
        return true;
    }
}
