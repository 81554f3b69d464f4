namespace EdgeCache.Benchmarks;

/// <summary>A clock that stands still, so a benchmark's entries stay fresh and its ages stay the same.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
