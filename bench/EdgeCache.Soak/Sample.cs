namespace EdgeCache.Soak;

/// <summary>One request's record: when it started (seconds into the run), where, what, how it ended, how long it took.</summary>
internal readonly record struct Sample(double Start, int Node, string Kind, Outcome Outcome, double LatencyMs, long Bytes, string Detail);
