namespace EdgeCache.Server.Hosting;

/// <summary>The server's start-up messages (event IDs 502-509; the access log is 501).</summary>
internal static partial class ServerLog
{
    [LoggerMessage(502, LogLevel.Information, "GC heap hard limit set to {LimitMiB} MiB (--heap-limit {Setting}).")]
    public static partial void HeapLimitSet(ILogger logger, long limitMiB, string setting);

    [LoggerMessage(503, LogLevel.Information, "GC heap hard limit left to the runtime's configuration or the container's memory limit ({LimitMiB} MiB available to the GC).")]
    public static partial void HeapLimitLeftToRuntime(ILogger logger, long limitMiB);

    [LoggerMessage(504, LogLevel.Warning, "GC heap hard limit of {LimitMiB} MiB refused by the runtime; running without one: {Reason}")]
    public static partial void HeapLimitRefused(ILogger logger, long limitMiB, string reason);

    [LoggerMessage(505, LogLevel.Information, "Warm-up: {Requests} requests (half of them misses) through the proxy's own loopback origin in {ElapsedMs:0} ms; {Methods} methods compiled.")]
    public static partial void WarmedUp(ILogger logger, int requests, double elapsedMs, long methods);

    [LoggerMessage(506, LogLevel.Warning, "Warm-up failed; serving without it.")]
    public static partial void WarmUpFailed(ILogger logger, Exception exception);

    [LoggerMessage(507, LogLevel.Information, "Warm-up: at most {Limit} of misses through a loopback origin of its own before the listener opens (EdgeCache:WarmUp).")]
    public static partial void WarmingUp(ILogger logger, TimeSpan limit);

    [LoggerMessage(508, LogLevel.Debug, "Native heap trimmed (malloc_trim): memory released {Released}, in {ElapsedMs:0.00} ms.")]
    public static partial void NativeHeapTrimmed(ILogger logger, bool released, double elapsedMs);
}
