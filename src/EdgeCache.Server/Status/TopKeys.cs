namespace EdgeCache.Server.Status;

/// <summary>The most requested URLs, with how many requests were counted and how many were skipped under contention.</summary>
internal sealed record TopKeys(long Counted, long Skipped, IReadOnlyList<TopKey> Keys);
