using EdgeCache.Semantics;
using EdgeCache.Semantics.Rfc9111;

namespace EdgeCache.Fuzz.Targets;

/// <summary>
/// CDN-Cache-Control as an RFC 8941 dictionary (<see cref="TargetedField"/>): never throws; what it
/// produces is itself a dictionary that rewrites to the same text (a fixed point), and parses as Cache-Control.
/// </summary>
internal sealed class CdnCacheControlTarget : IFuzzTarget
{
    public string Name => "cdn-cache-control";

    public void Run(ReadOnlySpan<byte> input)
    {
        var text = FuzzInput.Text(input);
        var rewritten = TargetedField.ToCacheControl(text);
        if (string.IsNullOrEmpty(rewritten))
        {
            return;
        }

        var again = TargetedField.ToCacheControl(rewritten);
        FuzzInput.Check(again == rewritten, $"not a fixed point: '{rewritten}' rewrites to '{again}'");
        _ = CacheControlDirectives.Parse(rewritten);
    }
}
