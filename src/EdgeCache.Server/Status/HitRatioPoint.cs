namespace EdgeCache.Server.Status;

/// <summary>One bucket of the hit ratio chart: requests that started at <paramref name="Start"/> or later in that bucket, and how many of them the cache answered.</summary>
internal sealed record HitRatioPoint(DateTimeOffset Start, long Requests, long Cached);
