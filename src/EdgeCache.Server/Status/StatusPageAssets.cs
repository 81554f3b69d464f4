namespace EdgeCache.Server.Status;

/// <summary>The status page's HTML, script and stylesheet, embedded in the assembly and read once.</summary>
internal static class StatusPageAssets
{
    /// <summary>The page shell (no figures in it: they come from <c>/status.json</c>).</summary>
    public static byte[] Html { get; } = Read("status.html");

    /// <summary>The page's script: polls <c>/status.json</c>, draws the chart and tables, posts purges.</summary>
    public static byte[] Script { get; } = Read("status.js");

    /// <summary>The page's stylesheet.</summary>
    public static byte[] Stylesheet { get; } = Read("status.css");

    private static byte[] Read(string name)
    {
        using var stream = typeof(StatusPageAssets).Assembly.GetManifestResourceStream("EdgeCache.StatusPage." + name)
            ?? throw new InvalidOperationException($"The status page asset {name} is not embedded in the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
