using System.Text;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>UTF-8 and base64 the way the Encoding Standard and HTML's atob/btoa define them.</summary>
internal static class TextCodec
{
    private static readonly UTF8Encoding Lenient = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Encodes a JavaScript string; lone surrogates become U+FFFD, as TextEncoder does.</summary>
    public static byte[] EncodeUtf8(string text) => Lenient.GetBytes(text);

    /// <summary>Decodes UTF-8; null when <paramref name="fatal"/> and the bytes are not valid UTF-8.</summary>
    public static string? DecodeUtf8(ReadOnlySpan<byte> bytes, bool fatal, bool skipBom)
    {
        if (skipBom && bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF)
        {
            bytes = bytes[3..];
        }

        if (!fatal)
        {
            return Lenient.GetString(bytes);
        }

        try
        {
            return Strict.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>UTF-16 (either byte order) or windows-1252; null when <paramref name="fatal"/> and the bytes do not decode.</summary>
    public static string? Decode(string encoding, ReadOnlySpan<byte> bytes, bool fatal, bool skipBom)
    {
        if (encoding == "windows-1252")
        {
            return string.Create(bytes.Length, bytes.ToArray(), static (span, data) =>
            {
                for (var i = 0; i < data.Length; i++)
                {
                    var b = data[i];
                    span[i] = b is >= 0x80 and <= 0x9F ? Windows1252High[b - 0x80] : (char)b;
                }
            });
        }

        var bigEndian = encoding == "utf-16be";
        var bom = bigEndian ? (byte)0xFE : (byte)0xFF;
        if (skipBom && bytes.Length >= 2 && bytes[0] == bom && bytes[1] == (byte)(bom ^ 0x01))
        {
            bytes = bytes[2..];
        }

        var codec = new UnicodeEncoding(bigEndian, byteOrderMark: false, throwOnInvalidBytes: fatal);
        try
        {
            return codec.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    // What windows-1252 (the Encoding Standard's "latin1") maps bytes 0x80-0x9F to.
    private static readonly char[] Windows1252High =
    [
        '\u20AC', '\u0081', '\u201A', '\u0192', '\u201E', '\u2026', '\u2020', '\u2021', '\u02C6', '\u2030', '\u0160', '\u2039', '\u0152', '\u008D', '\u017D', '\u008F',
        '\u0090', '\u2018', '\u2019', '\u201C', '\u201D', '\u2022', '\u2013', '\u2014', '\u02DC', '\u2122', '\u0161', '\u203A', '\u0153', '\u009D', '\u017E', '\u0178',
    ];

    /// <summary>btoa: null when a character is above U+00FF.</summary>
    public static string? ToBase64(string binary)
    {
        var bytes = new byte[binary.Length];
        for (var i = 0; i < binary.Length; i++)
        {
            if (binary[i] > 0xFF)
            {
                return null;
            }

            bytes[i] = (byte)binary[i];
        }

        return Convert.ToBase64String(bytes);
    }

    /// <summary>atob with HTML's forgiving-base64 decode: null when the input is not base64.</summary>
    public static string? FromBase64(string text)
    {
        var compact = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is not (' ' or '\t' or '\n' or '\f' or '\r'))
            {
                compact.Append(c);
            }
        }

        if (compact.Length % 4 == 0 && compact.Length > 0 && compact[^1] == '=')
        {
            compact.Length -= compact.Length > 1 && compact[^2] == '=' ? 2 : 1;
        }

        if (compact.Length % 4 == 1)
        {
            return null;
        }

        for (var i = 0; i < compact.Length; i++)
        {
            var c = compact[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c == '+' || c == '/'))
            {
                return null;
            }
        }

        compact.Append('=', (4 - (compact.Length % 4)) % 4);
        Span<byte> bytes = compact.Length <= 4096 ? stackalloc byte[compact.Length] : new byte[compact.Length];
        if (!Convert.TryFromBase64String(compact.ToString(), bytes, out var written))
        {
            return null;
        }

        return string.Create(written, bytes[..written].ToArray(), static (span, data) =>
        {
            for (var i = 0; i < data.Length; i++)
            {
                span[i] = (char)data[i];
            }
        });
    }
}
