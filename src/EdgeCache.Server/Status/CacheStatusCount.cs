namespace EdgeCache.Server.Status;

/// <summary>How many requests were answered with one cache status.</summary>
internal sealed record CacheStatusCount(string Status, long Count);
