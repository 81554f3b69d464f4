using EdgeCache.Semantics;

namespace EdgeCache.Fuzz.Targets;

/// <summary>
/// Cache-Control (<see cref="CacheControlDirectives"/>): never throws; delta-seconds are within 0..2^31;
/// a header split over field lines reads as the same header joined with commas.
/// </summary>
internal sealed class CacheControlTarget : IFuzzTarget
{
    public string Name => "cache-control";

    public void Run(ReadOnlySpan<byte> input)
    {
        var text = FuzzInput.Text(input);
        var one = CacheControlDirectives.Parse(text);
        CheckBounds(one);

        // Field lines (one per input line) combine as the comma-joined value does (RFC 9110 section 5.3).
        var lines = text.Split('\n');
        var many = CacheControlDirectives.Parse(lines);
        CheckBounds(many);
        var joined = CacheControlDirectives.Parse(string.Join(",", lines));
        // A quoted string cut by a line break is two broken lines but one good joined value: compare only without quotes.
        FuzzInput.Check(
            Describe(many) == Describe(joined) || text.Contains('"', StringComparison.Ordinal),
            $"field lines read differently from the joined value: {Describe(many)} vs {Describe(joined)}");
    }

    private static void CheckBounds(CacheControlDirectives d)
    {
        foreach (var value in new[] { d.MaxAge, d.SharedMaxAge, d.StaleWhileRevalidate, d.StaleIfError, d.MinFresh, d.MaxStaleSeconds })
        {
            FuzzInput.Check(value is null or >= 0 and <= CacheControlDirectives.MaxDeltaSeconds, $"delta-seconds out of range: {value}");
        }

        FuzzInput.Check(d.Any || !(d.NoStore || d.NoCache || d.Private || d.Public || d.MaxAge.HasValue), "directives read but Any is false");
        FuzzInput.Check(d.NoCache || d.NoCacheFields.Count == 0, "no-cache fields without no-cache");
        FuzzInput.Check(d.Private || d.PrivateFields.Count == 0, "private fields without private");
    }

    private static string Describe(CacheControlDirectives d) => string.Join(
        ";",
        d.NoStore, d.NoCache, string.Join(",", d.NoCacheFields), d.Private, string.Join(",", d.PrivateFields), d.Public,
        d.MustRevalidate, d.ProxyRevalidate, d.Immutable, d.NoTransform, d.OnlyIfCached, d.MustUnderstand,
        d.MaxAge, d.SharedMaxAge, d.StaleWhileRevalidate, d.StaleIfError, d.MinFresh, d.MaxStale, d.MaxStaleSeconds,
        d.HasConflictingDuplicates, d.HasInvalidFreshness);
}
