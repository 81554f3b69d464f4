namespace EdgeCache.Server.Rules;

/// <summary>
/// Cache deception armour (Cloudflare's name for it): which Content-Types fit a file extension. A response
/// cached because its URL ends in <c>.css</c> must be a style sheet, not the account page an origin served
/// for <c>/account/x.css</c> or <c>/account;x.css</c> ("web cache deception", Omer Gil, 2017).
/// </summary>
internal static class ExtensionContentTypes
{
    private static readonly Dictionary<string, string[]> Fitting = Build();

    /// <summary>True when a response of <paramref name="mediaType"/> may be cached by the extension <paramref name="extension"/>.</summary>
    /// <remarks>
    /// Known extensions need one of their types (a missing Content-Type fits none); an unknown extension
    /// accepts anything but HTML, the type a deceived origin answers with.
    /// </remarks>
    public static bool Fits(string extension, string? mediaType)
    {
        if (Fitting.TryGetValue(extension, out var types))
        {
            if (string.IsNullOrEmpty(mediaType))
            {
                return false;
            }

            foreach (var type in types)
            {
                if (type.EndsWith('/') ? mediaType.StartsWith(type, StringComparison.OrdinalIgnoreCase) : mediaType.Equals(type, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }

        return mediaType is null || !(mediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase) || mediaType.Equals("application/xhtml+xml", StringComparison.OrdinalIgnoreCase));
    }

    private static Dictionary<string, string[]> Build()
    {
        // A type ending in '/' is a prefix (image/ is every image type).
        string[] javascript = ["text/javascript", "application/javascript", "application/x-javascript", "application/ecmascript", "text/ecmascript"];
        string[] image = ["image/"];
        string[] font = ["font/", "application/font-", "application/x-font-", "application/vnd.ms-fontobject", "application/octet-stream"];
        string[] media = ["audio/", "video/", "application/ogg", "application/octet-stream"];
        string[] binary = ["application/", "binary/"];
        var map = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
        {
            ["css"] = ["text/css"],
            ["js"] = javascript,
            ["mjs"] = javascript,
            ["json"] = ["application/json", "text/json"],
            ["html"] = ["text/html", "application/xhtml+xml"],
            ["htm"] = ["text/html", "application/xhtml+xml"],
            ["txt"] = ["text/plain"],
            ["csv"] = ["text/csv", "text/plain", "application/csv"],
            ["xml"] = ["application/xml", "text/xml"],
            ["pdf"] = ["application/pdf"],
            ["svg"] = ["image/svg+xml"],
            ["svgz"] = ["image/svg+xml"],
            ["ejs"] = ["text/", "application/"],
        };
        foreach (var ext in new[] { "png", "jpg", "jpeg", "gif", "webp", "avif", "bmp", "ico", "tif", "tiff", "pict" })
        {
            map[ext] = image;
        }

        foreach (var ext in new[] { "woff", "woff2", "ttf", "otf", "eot" })
        {
            map[ext] = font;
        }

        foreach (var ext in new[] { "mp3", "mp4", "webm", "ogg", "flac", "mkv", "avi", "mid", "midi" })
        {
            map[ext] = media;
        }

        foreach (var ext in new[] { "zip", "gz", "bz2", "7z", "rar", "tar", "zst", "iso", "dmg", "apk", "bin", "exe", "jar", "class", "swf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "eps", "ps", "pls" })
        {
            map[ext] = binary;
        }

        return map;
    }
}
