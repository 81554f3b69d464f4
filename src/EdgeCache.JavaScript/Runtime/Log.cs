using Microsoft.Extensions.Logging;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>The JavaScript runtime's log messages (event IDs 600-699, docs/operations.md).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 601, Message = "{Message}")]
    public static partial void Console(ILogger logger, LogLevel level, string message);

    [LoggerMessage(EventId = 602, Level = LogLevel.Error, Message = "The worker exceeded its CPU time limit ({LimitMs} ms for one request) while handling {Url}")]
    public static partial void CpuLimitExceeded(ILogger logger, double limitMs, string url);

    [LoggerMessage(EventId = 603, Level = LogLevel.Error, Message = "Uncaught exception in the worker (outside a request's response): {Stack}")]
    public static partial void Uncaught(ILogger logger, string stack);

    [LoggerMessage(EventId = 604, Level = LogLevel.Error, Message = "The JavaScript event loop failed")]
    public static partial void LoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 608, Level = LogLevel.Error, Message = "The worker exceeded its memory limit ({LimitBytes} bytes allocated in one turn) while handling {Url}")]
    public static partial void MemoryLimitExceeded(ILogger logger, long limitBytes, string url);

    [LoggerMessage(EventId = 605, Level = LogLevel.Information, Message = "Worker {Path} loaded ({Syntax} syntax) in {ElapsedMs} ms")]
    public static partial void Loaded(ILogger logger, string path, string syntax, double elapsedMs);
}
