using EdgeCache.AspNetCore.Bridge;
using EdgeCache.AspNetCore.Proxy;
using System.Text.RegularExpressions;

namespace EdgeCache.Server.Rules;

/// <summary>A validated, compiled cache rule: conditions and the actions it sets.</summary>
internal sealed class CacheRule
{
    // Host in IDNA ASCII form, made on first use.
    private string? _asciiHost;

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
        // Both sides in their ASCII form: the Host as the client sent it (HttpRequest.Host decodes a lower-case
        // xn-- label to Unicode but leaves XN-- as it is, so a rule written either way was sidestepped by one
        // spelling, while the cache key holds both as one), and the rule's name mapped by IDNA.
        if (Host is { } host && !HostMatches(_asciiHost ??= ToAscii(host), new HostString(request.Headers.Host.ToString()).Host))
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

    /// <summary>A host pattern (<c>name</c> or <c>*.name</c>) with its name in IDNA ASCII form; one IDNA cannot map (an address) as written.</summary>
    private static string ToAscii(string pattern)
    {
        var wildcard = pattern.StartsWith("*.", StringComparison.Ordinal);
        var name = wildcard ? pattern[2..] : pattern;
        try
        {
            name = new System.Globalization.IdnMapping().GetAscii(name);
        }
        catch (ArgumentException)
        {
            // "[::1]" and the like: compared as written.
        }

        return wildcard ? "*." + name : name;
    }

    private static bool HostMatches(string pattern, string host)
        => pattern.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase)
            : string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase);
}
