namespace EdgeCache.Redis;

/// <summary>Settings of the Redis tier, its backplane and its fill locks.</summary>
public sealed class RedisTierOptions
{
    /// <summary>The StackExchange.Redis configuration string (<c>host:port,host:port,password=...</c>).</summary>
    public required string Configuration { get; init; }

    /// <summary>The prefix of every key and channel this tier uses, so several caches can share one Redis. Default <c>ec:</c>.</summary>
    public string KeyPrefix { get; init; } = "ec:";

    /// <summary>The largest body the tier stores; larger objects are declined and stay in the local tiers. Default 8 MB.</summary>
    public long MaxObjectSize { get; init; } = 8L * 1024 * 1024;

    /// <summary>How long one request-path operation (get, store, delete, lock) may take before it counts as failed. Default 100 ms.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a purge may take in Redis (purges walk indexes and are off the request path). Default 10 s.</summary>
    public TimeSpan PurgeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Where the backplane keeps how far into the purge log this node's local tiers are (a small file), so a node
    /// whose local tiers outlive the process (a disk tier) applies on restart the purges it missed while down.
    /// Null (the default) for local tiers that start empty: the node starts from the log's head.
    /// </summary>
    public string? PurgeLogCheckpointPath { get; init; }

    /// <summary>How often a node checks the purge log's head for purges it missed (a lost message, a reconnect). Default 500 ms.</summary>
    public TimeSpan PurgeLogPollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long after it last proved (by a read of the purge log's head) that it had applied every logged purge a node goes
    /// on serving its local tiers; after that, and from start until it has caught up, it skips them (Redis and the origin
    /// answer) until a read of the log succeeds again. A purge answers once it is in the log, so no node serves anything
    /// purged more than this long ago from its local tiers. Longer than <see cref="PurgeLogPollInterval"/>. Default 1.5 s.
    /// </summary>
    public TimeSpan PurgeLogLease { get; init; } = TimeSpan.FromMilliseconds(1500);

    /// <summary>
    /// How long a purge waits, once it is in the log, for every other live node to report that it has applied it, before
    /// it answers anyway (a node that has not by then stops serving its local tiers when its <see cref="PurgeLogLease"/>
    /// runs out). Zero answers without waiting. Default 1 s. The same bound holds the answer until this node is past the
    /// purge itself, when purges of other nodes were still on their way to it (a write begun after the answer must not
    /// read back as purged).
    /// </summary>
    public TimeSpan PurgeAckTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long after a purge the purging node applies it once more (Redis, the log, every node), to remove what a fill
    /// in flight on another node stored in Redis before that node heard of the purge. Zero turns the sweep off. Default 1 s.
    /// </summary>
    public TimeSpan PurgeSweepDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Purges the log keeps; a node further behind than this purges its local tiers entirely. Default 10,000.</summary>
    public int PurgeLogLength { get; init; } = 10_000;

    /// <summary>Consecutive failures that open the circuit breaker. Default 3.</summary>
    public int BreakerFailureThreshold { get; init; } = 3;

    /// <summary>How long the breaker stays open before one trial call is let through. Default 5 s.</summary>
    public TimeSpan BreakerOpenDuration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a cross-node fill lock lives if its holder never releases it. Default 5 s.</summary>
    public TimeSpan FillLockDuration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether cross-node request collapsing is on. Default on.</summary>
    public bool CollapseRequests { get; init; } = true;

    /// <summary>How long connecting may take (in the background: it never blocks a request). Default 2 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>This node's identity on the backplane; a node ignores its own messages. Default: a new GUID.</summary>
    public Guid NodeId { get; init; } = Guid.NewGuid();

    /// <summary>Throws when a setting is out of range.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Configuration);
        ArgumentException.ThrowIfNullOrEmpty(KeyPrefix);
        if (KeyPrefix.AsSpan().IndexOfAny("*?[]\\{}") >= 0)
        {
            // The prefix goes into SCAN patterns and must not open a hash tag of its own.
            throw new ArgumentException("The key prefix must not contain *, ?, [, ], \\, { or }.", nameof(KeyPrefix));
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxObjectSize);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(OperationTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PurgeTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PurgeLogPollInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PurgeLogLease, PurgeLogPollInterval);
        ArgumentOutOfRangeException.ThrowIfLessThan(PurgeAckTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(PurgeLogLength);
        ArgumentOutOfRangeException.ThrowIfLessThan(PurgeSweepDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BreakerFailureThreshold);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(BreakerOpenDuration, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(FillLockDuration, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero);
    }
}
