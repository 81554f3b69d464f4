namespace EdgeCache.Server.Status;

/// <summary>Origin round trips and failures since start, the last failure, and the latency of recent round trips in milliseconds (null before the first).</summary>
internal sealed record OriginHealth(long RoundTrips, long Errors, OriginError? LastError, double? LatencyP50Ms, double? LatencyAvgMs, int LatencySamples);
