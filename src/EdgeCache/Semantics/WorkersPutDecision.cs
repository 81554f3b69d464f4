namespace EdgeCache.Semantics;

/// <summary>What <see cref="WorkersPutPolicy"/> decided for a response given to put.</summary>
internal readonly record struct WorkersPutDecision(
    bool Store,
    string Reason,
    TimeSpan FreshnessLifetime,
    TimeSpan InitialAge,
    IReadOnlySet<string> StrippedHeaders)
{
    public static WorkersPutDecision NotStored(string reason) => new(false, reason, TimeSpan.Zero, TimeSpan.Zero, EmptySet);

    private static readonly IReadOnlySet<string> EmptySet = new HashSet<string>();
}
