using BenchmarkDotNet.Attributes;
using EdgeCache.Semantics;
using EdgeCache.Semantics.Rfc9111;

namespace EdgeCache.Benchmarks;

/// <summary>
/// The per-response rules: Cache-Control parsing and freshness evaluation (RFC 9111 sections 4.2.1 and 4.2.3).
/// These run when a response is stored and on a hit that is not plainly fresh; the plain fresh hit skips them.
/// </summary>
[MemoryDiagnoser]
public class SemanticsBenchmarks
{
    private static readonly DateTimeOffset ResponseTime = BenchData.Now;
    private static readonly DateTimeOffset Now = BenchData.Now.AddSeconds(90);

    private readonly IReadOnlyList<KeyValuePair<string, string>> _headers =
    [
        new("Date", "Fri, 27 Nov 2026 11:59:58 GMT"),
        new("Content-Type", "application/octet-stream"),
        new("Cache-Control", "public, max-age=3600, stale-while-revalidate=60"),
        new("ETag", "\"5f1e-1k\""),
        new("Last-Modified", "Thu, 26 Nov 2026 10:00:00 GMT"),
        new("Age", "2"),
    ];

    /// <summary>A typical origin Cache-Control value.</summary>
    [Benchmark]
    public bool ParseCacheControl() => CacheControlDirectives.Parse("public, max-age=3600, stale-while-revalidate=60").Public;

    /// <summary>A request Cache-Control value with several directives.</summary>
    [Benchmark]
    public bool ParseRequestCacheControl() => CacheControlDirectives.Parse("no-cache, max-stale=30, min-fresh=5").NoCache;

    /// <summary>Everything a store decision needs from the headers: facts, lifetime, age (as done once per stored response).</summary>
    [Benchmark]
    public TimeSpan FreshnessAndAge()
    {
        var facts = ResponseFacts.From(200, _headers);
        var lifetime = Freshness.Lifetime(facts, ResponseTime, TimeSpan.FromDays(1), out _);
        var initialAge = AgeCalculation.CorrectedInitialAge(facts.Age, facts.Date, ResponseTime.AddMilliseconds(-5), ResponseTime);
        return lifetime - AgeCalculation.CurrentAge(initialAge, ResponseTime, Now);
    }

    /// <summary>What the fresh hit path computes per request: the current age from the stored initial age.</summary>
    [Benchmark]
    public long CurrentAgeOnHit()
        => AgeCalculation.ToHeaderSeconds(AgeCalculation.CurrentAge(TimeSpan.FromSeconds(2), ResponseTime, Now));
}
