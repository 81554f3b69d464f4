namespace EdgeCache.Server;

/// <summary>
/// The server's settings, bound from the <c>EdgeCache</c> configuration section
/// (<c>appsettings.json</c>, <c>EDGECACHE__*</c> environment variables, then the command line).
/// </summary>
internal sealed class ServerSettings
{
    public const string SectionName = "EdgeCache";

    /// <summary>The origin to forward to.</summary>
    public string? Origin { get; set; }

    /// <summary>The public listener.</summary>
    public string Listen { get; set; } = "http://127.0.0.1:8787";

    /// <summary><c>proxy</c> (CDN mode) or <c>example</c> (the reference example's handler).</summary>
    public string Handler { get; set; } = "proxy";

    /// <summary><c>memory</c>, <c>disk</c> or <c>tiered</c>.</summary>
    public string Store { get; set; } = "tiered";

    public string MemorySize { get; set; } = "256MB";

    public string DiskSize { get; set; } = "10GB";

    public string DataDir { get; set; } = "./edgecache-data";

    public string? Redis { get; set; }

    public string AdminListen { get; set; } = "http://127.0.0.1:8788";

    public string? AdminToken { get; set; }

    /// <summary>CDN mode: <c>origin</c> (send the origin's Host) or <c>pass-through</c> (send the client's Host).</summary>
    public string HostHeader { get; set; } = "origin";

    /// <summary>CDN mode: unkeyed request headers (X-Forwarded-Host, X-Original-URL, ...) that are forwarded anyway.</summary>
    public string[] AllowedUnkeyedHeaders { get; set; } = [];

    /// <summary>CDN mode: how long the origin may take to answer (a TimeSpan such as 00:00:30).</summary>
    public TimeSpan OriginTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>CDN mode: collapse concurrent misses for one URL into one origin request.</summary>
    public bool CollapseRequests { get; set; } = true;

    /// <summary>The largest object the Cache API stores.</summary>
    public string MaxObjectSize { get; set; } = "512MB";

    public Uri OriginUri { get; private set; } = null!;

    public Uri ListenUri { get; private set; } = null!;

    public long MemorySizeBytes { get; private set; }

    public long DiskSizeBytes { get; private set; }

    public long MaxObjectSizeBytes { get; private set; }

    /// <summary>Checks every setting; the returned messages name the setting (empty when all are valid).</summary>
    public List<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Origin))
        {
            errors.Add("--origin (EdgeCache:Origin) is required: the URL of the origin server, for example http://127.0.0.1:8080.");
        }
        else if (!Uri.TryCreate(Origin, UriKind.Absolute, out var origin) || (origin.Scheme != "http" && origin.Scheme != "https"))
        {
            errors.Add($"--origin (EdgeCache:Origin) must be an absolute http or https URL, not '{Origin}'.");
        }
        else
        {
            OriginUri = origin;
        }

        if (!Uri.TryCreate(Listen, UriKind.Absolute, out var listen) || (listen.Scheme != "http" && listen.Scheme != "https"))
        {
            errors.Add($"--listen (EdgeCache:Listen) must be an absolute http or https URL such as http://127.0.0.1:8787, not '{Listen}'.");
        }
        else
        {
            ListenUri = listen;
        }

        if (Handler is not ("proxy" or "example"))
        {
            errors.Add($"--handler (EdgeCache:Handler) must be 'proxy' or 'example', not '{Handler}'.");
        }

        if (HostHeader is not ("origin" or "pass-through"))
        {
            errors.Add($"EdgeCache:HostHeader must be 'origin' or 'pass-through', not '{HostHeader}'.");
        }

        if (OriginTimeout <= TimeSpan.Zero)
        {
            errors.Add($"EdgeCache:OriginTimeout must be more than zero, not '{OriginTimeout}'.");
        }

        if (Store is not ("memory" or "disk" or "tiered"))
        {
            errors.Add($"--store (EdgeCache:Store) must be 'memory', 'disk' or 'tiered', not '{Store}'.");
        }

        MemorySizeBytes = Size("--memory-size (EdgeCache:MemorySize)", MemorySize, 1024, errors);
        DiskSizeBytes = Size("--disk-size (EdgeCache:DiskSize)", DiskSize, 1024, errors);
        MaxObjectSizeBytes = Size("--max-object-size (EdgeCache:MaxObjectSize)", MaxObjectSize, 0, errors);
        return errors;
    }

    private static long Size(string name, string text, long minimum, List<string> errors)
    {
        if (!ByteSize.TryParse(text, out var bytes))
        {
            errors.Add($"{name} must be a size such as 256MB or 2GB, not '{text}'.");
        }
        else if (bytes < minimum)
        {
            errors.Add($"{name} must be at least {minimum} bytes, not '{text}'.");
        }

        return bytes;
    }
}
