namespace EdgeCache.Server.Rules;

/// <summary>
/// Cloudflare's default cacheable file extensions: with <c>EdgeCache:CacheDefaultExtensionsOnly</c>
/// on, only these are cached unless a rule gives an edge TTL (Cloudflare's "Cache Everything").
/// </summary>
internal static class DefaultCacheableExtensions
{
    public static readonly HashSet<string> All = new(StringComparer.OrdinalIgnoreCase)
    {
        "7z", "avi", "avif", "apk", "bin", "bmp", "bz2", "class", "css", "csv", "doc", "docx", "dmg", "ejs", "eot", "eps",
        "exe", "flac", "gif", "gz", "ico", "iso", "jar", "jpg", "jpeg", "js", "mid", "midi", "mkv", "mp3", "mp4", "ogg",
        "otf", "pdf", "pict", "pls", "png", "ppt", "pptx", "ps", "rar", "svg", "svgz", "swf", "tar", "tif", "tiff", "ttf",
        "webm", "webp", "woff", "woff2", "xls", "xlsx", "zip", "zst",
    };
}
