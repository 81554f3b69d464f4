using Microsoft.Extensions.Logging;

namespace EdgeCache.Redis;

/// <summary>The Redis tier's log messages.</summary>
internal static partial class RedisLog
{
    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Redis {Operation} failed; answering locally")]
    public static partial void OperationFailed(ILogger logger, string operation, Exception exception);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "Redis {Operation} took longer than {TimeoutMs} ms; answering locally")]
    public static partial void OperationTimedOut(ILogger logger, string operation, double timeoutMs);

    [LoggerMessage(EventId = 403, Level = LogLevel.Warning, Message = "Redis circuit breaker {OldState} -> {NewState}")]
    public static partial void BreakerChanged(ILogger logger, CircuitState oldState, CircuitState newState);

    [LoggerMessage(EventId = 404, Level = LogLevel.Warning, Message = "Redis connection lost ({FailureType}, {EndPoint})")]
    public static partial void ConnectionLost(ILogger logger, string failureType, string? endPoint);

    [LoggerMessage(EventId = 405, Level = LogLevel.Information, Message = "Redis connection restored ({EndPoint}); catching up from the purge log")]
    public static partial void ConnectionRestored(ILogger logger, string? endPoint);

    [LoggerMessage(EventId = 406, Level = LogLevel.Error, Message = "Redis connection could not be set up")]
    public static partial void ConnectFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 407, Level = LogLevel.Warning, Message = "Redis invalidation message could not be applied")]
    public static partial void InvalidationFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 408, Level = LogLevel.Warning, Message = "Redis purge {Kind} incomplete: Redis stayed unavailable, other nodes may not be told")]
    public static partial void PurgeSkipped(ILogger logger, string kind);

    [LoggerMessage(EventId = 409, Level = LogLevel.Debug, Message = "Redis entry for {Key} unreadable; treated as a miss")]
    public static partial void EntryUnreadable(ILogger logger, string key, Exception exception);

    [LoggerMessage(EventId = 410, Level = LogLevel.Warning, Message = "Purge log cannot prove this node missed nothing ({Reason}); every local entry purged")]
    public static partial void PurgeLogReset(ILogger logger, string reason);

    [LoggerMessage(EventId = 411, Level = LogLevel.Information, Message = "Applied {Count} purges missed on the backplane from the purge log (now at {Position})")]
    public static partial void PurgeLogCaughtUp(ILogger logger, int count, long position);

    [LoggerMessage(EventId = 412, Level = LogLevel.Warning, Message = "Purge log checkpoint {Path} could not be read or written")]
    public static partial void PurgeLogCheckpointFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 413, Level = LogLevel.Warning, Message = "The purge log could not be read for longer than the {LeaseMs} ms lease: local tiers are not served until it is")]
    public static partial void LocalTiersSuspended(ILogger logger, double leaseMs);

    [LoggerMessage(EventId = 414, Level = LogLevel.Information, Message = "The purge log was read and every purge in it applied: local tiers are served again")]
    public static partial void LocalTiersResumed(ILogger logger);
}
