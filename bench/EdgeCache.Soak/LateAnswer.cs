namespace EdgeCache.Soak;

/// <summary>
/// Purged content served after its purge completed: when, by which node, how long after, what the node said
/// (Cache-Status), when the origin generated the body (run seconds), the cause the driver reads from that, and whether
/// the request was the purge's probe (it asks every 20 ms until the new version comes, so one old copy is many answers).
/// </summary>
internal sealed record LateAnswer(double At, int Node, double AfterMs, string CacheStatus, double GeneratedAt, PurgeRecord Purge, string Cause, bool Probe);
