using Microsoft.Extensions.Logging;

namespace EdgeCache;

/// <summary>The core library's log messages (source-generated).</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "cache.put of {Key} not stored: {Reason}")]
    public static partial void PutNotStored(ILogger logger, string key, string reason);

    [LoggerMessage(2, LogLevel.Warning, "cache.put of {Key} ignored a 304 Not Modified response; nothing was stored")]
    public static partial void PutIgnored304(ILogger logger, string key);

    [LoggerMessage(3, LogLevel.Warning, "cache.put of {Key} not stored: the body exceeds the object size limit of {Limit} bytes")]
    public static partial void PutTooLarge(ILogger logger, string key, long limit);

    [LoggerMessage(4, LogLevel.Warning, "cache.put of {Key} not stored: reading the body or writing the store failed")]
    public static partial void PutFailed(ILogger logger, string key, Exception exception);

    [LoggerMessage(5, LogLevel.Warning, "cache.match of {Key} treated as a miss: the store failed")]
    public static partial void MatchFailed(ILogger logger, string key, Exception exception);

    [LoggerMessage(6, LogLevel.Warning, "cache.put of {Key} not stored: the store declined it")]
    public static partial void PutDeclined(ILogger logger, string key);
}
