namespace EdgeCache.Testing;

/// <summary>Finds the repository root and the shared/ folder beside it, from wherever tests run.</summary>
public static class RepositoryPaths
{
    /// <summary>The folder holding EdgeCache.slnx.</summary>
    public static string Root { get; } = FindUp(AppContext.BaseDirectory, d => File.Exists(Path.Combine(d, "EdgeCache.slnx")))
        ?? throw new InvalidOperationException("Cannot find the repository root (EdgeCache.slnx) above " + AppContext.BaseDirectory);

    /// <summary>
    /// The shared/ folder (conformance checker, reference): $EDGECACHE_SHARED, or the first
    /// shared/conformance/check.js found walking up from the repository root.
    /// </summary>
    public static string Shared
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("EDGECACHE_SHARED");
            if (!string.IsNullOrEmpty(env))
            {
                return env;
            }

            var dir = FindUp(Root, d => File.Exists(Path.Combine(d, "shared", "conformance", "check.js")));
            return dir is null
                ? throw new InvalidOperationException("Cannot find shared/conformance/check.js above " + Root + "; set EDGECACHE_SHARED.")
                : Path.Combine(dir, "shared");
        }
    }

    private static string? FindUp(string start, Func<string, bool> found)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (found(dir.FullName))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
