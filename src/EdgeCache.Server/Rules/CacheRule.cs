using EdgeCache.AspNetCore.Bridge;
using EdgeCache.AspNetCore.Proxy;
using System.Text.RegularExpressions;

namespace EdgeCache.Server.Rules;

/// <summary>A validated, compiled cache rule: conditions and the actions it sets.</summary>
internal sealed class CacheRule
{
    public required string Name { get; init; }

    public string? Host { get; init; }

    public Regex? Path { get; init; }

    public HashSet<string>? Extensions { get; init; }

    public HashSet<string>? Methods { get; init; }

    public string[] HeadersPresent { get; init; } = [];

    public string[] HeadersAbsent { get; init; } = [];

    public bool? Bypass { get; init; }

    public TimeSpan? EdgeTtl { get; init; }

    public IReadOnlyDictionary<string, int>? EdgeTtlByStatus { get; init; }

    public bool? RespectOrigin { get; init; }

    public TimeSpan? BrowserTtl { get; init; }

    public CacheKeyTemplate? CacheKey { get; init; }

    public string[]? Tags { get; init; }

    /// <summary>Cache deception armour for an extension match (default on).</summary>
    public bool DeceptionArmour { get; init; } = true;

    /// <summary>Dangerous: the edge TTL also applies to what the origin marked private or no-store.</summary>
    public bool? DangerouslyCachePrivate { get; init; }

    /// <summary>Per-field Vary handling (field name, any case).</summary>
    public IReadOnlyDictionary<string, VaryHandling>? Vary { get; init; }

    /// <summary>Whether the rule applies; paths and extensions are read from the request's canonical target (<see cref="CanonicalTarget.MatchPath"/>).</summary>
    public bool Matches(HttpRequest request, string matchPath)
    {
        if (Host is { } host && !HostMatches(host, request.Host.Host))
        {
            return false;
        }

        if (Methods is { } methods && !methods.Contains(request.Method))
        {
            return false;
        }

        if (Path is { } glob && !glob.IsMatch(matchPath))
        {
            return false;
        }

        if (Extensions is { } extensions && !extensions.GetAlternateLookup<ReadOnlySpan<char>>().Contains(CanonicalTarget.ExtensionOf(matchPath)))
        {
            return false;
        }

        foreach (var header in HeadersPresent)
        {
            if (!request.Headers.ContainsKey(header))
            {
                return false;
            }
        }

        foreach (var header in HeadersAbsent)
        {
            if (request.Headers.ContainsKey(header))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Turns a path glob into a regex: <c>**</c> spans segments, <c>*</c> and <c>?</c> stay within one.</summary>
    public static Regex CompileGlob(string glob)
    {
        var pattern = new System.Text.StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                pattern.Append(".*");
                i++;
            }
            else if (c == '*')
            {
                pattern.Append("[^/]*");
            }
            else if (c == '?')
            {
                pattern.Append("[^/]");
            }
            else
            {
                pattern.Append(Regex.Escape(c.ToString()));
            }
        }

        // Linear in the path's length whatever the glob (no backtracking, so no match timeout to hit under load,
        // and no ReDoS from a long path against a glob of many stars).
        return new Regex(pattern.Append('$').ToString(), RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
    }

    private static bool HostMatches(string pattern, string host)
        => pattern.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase)
            : string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase);
}
