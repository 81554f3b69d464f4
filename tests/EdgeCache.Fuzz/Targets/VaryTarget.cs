using EdgeCache.Semantics.Rfc9111;

namespace EdgeCache.Fuzz.Targets;

/// <summary>
/// Vary (<see cref="VaryKey"/>): never throws; canonical names and normalised values are fixed points
/// (normalising twice changes nothing), so two requests that normalise alike select the same variant key.
/// </summary>
internal sealed class VaryTarget : IFuzzTarget
{
    public string Name => "vary";

    public void Run(ReadOnlySpan<byte> input)
    {
        var (vary, value) = FuzzInput.Pair(input);
        _ = VaryKey.HasStar(vary);
        var names = VaryKey.CanonicalNames(vary);
        FuzzInput.Check(VaryKey.CanonicalNames(names) == names, $"canonical names '{names}' are not canonical");

        foreach (var name in names.Split(", ", StringSplitOptions.RemoveEmptyEntries).Append("accept-encoding").Take(8))
        {
            var normalized = VaryKey.Normalize(name, value);
            FuzzInput.Check(VaryKey.Normalize(name, normalized) == normalized, $"'{normalized}' changes when normalised again");
        }

        var key = VaryKey.Build("k", "1", names, value, static (v, _) => v.Length == 0 ? null : v);
        var again = VaryKey.Build("k", "1", names, value, static (v, n) => v.Length == 0 ? null : VaryKey.Normalize(n, v));
        FuzzInput.Check(key == again, "a normalised request selects another variant");
    }
}
