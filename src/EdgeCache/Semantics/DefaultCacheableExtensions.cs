namespace EdgeCache.Semantics;

/// <summary>
/// Cloudflare's default cacheable file extensions: what its cache stores without "Cache Everything".
/// A fetch with cache options and without <see cref="CacheFetchOptions.CacheEverything"/> stores a response
/// without explicit freshness only for these; with the server's <c>EdgeCache:CacheDefaultExtensionsOnly</c>
/// on, CDN mode caches only these unless a rule gives an edge TTL.
/// </summary>
public static class DefaultCacheableExtensions
{
    private static readonly HashSet<string> All = new(StringComparer.OrdinalIgnoreCase)
    {
        "7z", "avi", "avif", "apk", "bin", "bmp", "bz2", "class", "css", "csv", "doc", "docx", "dmg", "ejs", "eot", "eps",
        "exe", "flac", "gif", "gz", "ico", "iso", "jar", "jpg", "jpeg", "js", "mid", "midi", "mkv", "mp3", "mp4", "ogg",
        "otf", "pdf", "pict", "pls", "png", "ppt", "pptx", "ps", "rar", "svg", "svgz", "swf", "tar", "tif", "tiff", "ttf",
        "webm", "webp", "woff", "woff2", "xls", "xlsx", "zip", "zst",
    };

    /// <summary>True when <paramref name="extension"/> (without the dot) is one of the default extensions.</summary>
    public static bool IsDefault(ReadOnlySpan<char> extension) => All.GetAlternateLookup<ReadOnlySpan<char>>().Contains(extension);
}
