using EdgeCache.AspNetCore.Bridge;

namespace EdgeCache.Fuzz.Targets;

/// <summary>
/// The request-target canonicaliser (<see cref="CanonicalTarget"/>): Parse never throws; its result is
/// canonical (a path that starts with '/', only RFC 3986 characters) and a fixed point: parsing its path
/// and query gives the same target, so the key, the rules and the origin URL cannot drift on a second read.
/// </summary>
internal sealed class CanonicalTargetTarget : IFuzzTarget
{
    private const string Allowed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?%";

    public string Name => "canonical-target";

    public void Run(ReadOnlySpan<byte> input)
    {
        var raw = FuzzInput.Text(input);
        if (CanonicalTarget.Parse(raw) is not { } target)
        {
            return;
        }

        FuzzInput.Check(target.Path.StartsWith('/'), $"path '{target.Path}' does not start with '/'");
        FuzzInput.Check(target.Query.Length == 0 || target.Query[0] == '?', $"query '{target.Query}' without its '?'");
        var text = target.Path + target.Query;
        FuzzInput.Check(text.All(c => Allowed.Contains(c, StringComparison.Ordinal)), $"'{text}' holds characters outside RFC 3986");

        var again = CanonicalTarget.Parse(text);
        FuzzInput.Check(again is not null, $"'{text}' (from '{raw}') does not parse");
        FuzzInput.Check(again!.Path == target.Path && again.Query == target.Query, $"'{raw}' gives '{text}', which gives '{again.Path}{again.Query}'");

        var matchPath = target.MatchPath;
        FuzzInput.Check(matchPath.StartsWith('/'), $"match path '{matchPath}' does not start with '/'");
        _ = CanonicalTarget.ExtensionOf(matchPath);
    }
}
