namespace EdgeCache.Soak;

/// <summary>
/// Purged content served after its purge completed: when, by which node, how long after, what the node said
/// (Cache-Status), when the origin generated the body (run seconds), and the cause the driver reads from that.
/// </summary>
internal sealed record LateAnswer(double At, int Node, double AfterMs, string CacheStatus, double GeneratedAt, PurgeRecord Purge, string Cause);
