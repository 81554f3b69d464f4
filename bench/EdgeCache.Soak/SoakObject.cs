using System.Security.Cryptography;
using System.Text;

namespace EdgeCache.Soak;

/// <summary>
/// What the origin serves for one object and version, computable by both sides: the client rebuilds every
/// byte it should get, so a corrupt, truncated, mixed-up (another key, version or variant) body is detected.
/// </summary>
internal static class SoakObject
{
    public const int Groups = 20;

    public static readonly string[] Languages = ["en", "fr", "de"];

    public static int GroupOf(int id) => id % Groups;

    public static string PathOf(int id) => $"/g{GroupOf(id)}/o{id}";

    public static long SizeOf(int id) => id switch
    {
        _ when id % 500 == 499 => 50L << 20,
        _ when id % 100 == 42 => 5L << 20,
        _ when id % 10 == 7 => 200L << 10,
        _ => 1024 + (id * 37 % 31 * 1024),
    };

    /// <summary>Objects that vary on Accept-Language (their bodies name the language).</summary>
    public static bool Varies(int id) => id % 7 == 0;

    public static int MaxAgeOf(int id) => id % 3 == 0 ? 2 : 30;

    public const int StaleWhileRevalidate = 10;

    public const int StaleIfError = 120;

    public static string CacheControlOf(int id) => $"public, max-age={MaxAgeOf(id)}, stale-while-revalidate={StaleWhileRevalidate}, stale-if-error={StaleIfError}";

    public static string ETagOf(int id, long version) => $"\"{id}-{version}\"";

    public static string Header(int id, long version, string lang) => $"EDGECACHE-SOAK id={id} v={version} lang={lang} len={SizeOf(id)}\n";

    /// <summary>Writes bytes [offset, offset + destination.Length) of the body.</summary>
    public static void Fill(int id, long version, string lang, long offset, Span<byte> destination)
    {
        var header = Encoding.ASCII.GetBytes(Header(id, version, lang));
        var seed = ((ulong)id * 1000003UL) ^ ((ulong)version * 7919UL) ^ ((ulong)Array.IndexOf(Languages, lang) << 40);
        for (var i = 0; i < destination.Length; i++)
        {
            var at = offset + i;
            destination[i] = at < header.Length ? header[at] : (byte)((((ulong)at + 1) * 0x9E3779B97F4A7C15UL ^ seed) >> 56);
        }
    }

    /// <summary>The SHA-256 of the whole body, for Repr-Digest / Content-Digest (RFC 9530).</summary>
    public static byte[] Digest(int id, long version, string lang)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        var size = SizeOf(id);
        for (long at = 0; at < size; at += buffer.Length)
        {
            var n = (int)Math.Min(buffer.Length, size - at);
            Fill(id, version, lang, at, buffer.AsSpan(0, n));
            hash.AppendData(buffer, 0, n);
        }

        return hash.GetHashAndReset();
    }

    /// <summary>Reads "id=.. v=.. lang=.." back from a body's first line.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> start, out int id, out long version, out string lang)
    {
        id = -1;
        version = -1;
        lang = string.Empty;
        var newline = start.IndexOf((byte)'\n');
        if (newline < 0)
        {
            return false;
        }

        var parts = Encoding.ASCII.GetString(start[..newline]).Split(' ');
        if (parts.Length != 5 || parts[0] != "EDGECACHE-SOAK"
            || !int.TryParse(parts[1].AsSpan(3), out id) || !long.TryParse(parts[2].AsSpan(2), out version))
        {
            return false;
        }

        lang = parts[3][5..];
        return true;
    }
}
