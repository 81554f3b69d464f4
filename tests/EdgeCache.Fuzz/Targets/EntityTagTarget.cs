using EdgeCache.Semantics;

namespace EdgeCache.Fuzz.Targets;

/// <summary>
/// ETags and If-None-Match lists (<see cref="EntityTag"/>): never throws; strong comparison is symmetric
/// and implies the weak one; a list that names the stored tag, wherever it stands, matches it.
/// </summary>
internal sealed class EntityTagTarget : IFuzzTarget
{
    public string Name => "etag";

    public void Run(ReadOnlySpan<byte> input)
    {
        var (list, stored) = FuzzInput.Pair(input);
        var hit = EntityTag.NoneMatchHits(list, stored, out var applicable);
        FuzzInput.Check(applicable || !hit, "a hit on a condition that does not apply");

        var strong = EntityTag.StrongEquals(list, stored);
        FuzzInput.Check(strong == EntityTag.StrongEquals(stored, list), "strong comparison is not symmetric");
        if (!EntityTag.TryGetOpaque(stored, out var opaque, out _) || opaque.IsEmpty || !IsEntityTag(stored.Trim()))
        {
            return;
        }

        // RFC 9110 section 8.8.3: etagc includes ',', so a list is split between tags, never inside one.
        var trimmed = stored.Trim();
        foreach (var candidate in new[] { trimmed, $"\"x\", {trimmed}", $"{trimmed},\"y\"", $"W/{trimmed.TrimStart('W', '/')}" })
        {
            FuzzInput.Check(EntityTag.NoneMatchHits(candidate, stored, out _), $"If-None-Match '{candidate}' does not match the stored {stored}");
        }

        FuzzInput.Check(!strong || hit, "strongly equal tags do not match weakly");
    }

    // entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E / obs-text.
    private static bool IsEntityTag(string value)
    {
        var s = value.StartsWith("W/", StringComparison.Ordinal) ? value[2..] : value;
        return s.Length >= 2 && s[0] == '"' && s[^1] == '"' && s[1..^1].All(c => c == 0x21 || c is >= (char)0x23 and <= (char)0x7E || c is >= (char)0x80 and <= (char)0xFF);
    }
}
