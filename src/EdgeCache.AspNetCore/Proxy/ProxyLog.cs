using Microsoft.Extensions.Logging;

namespace EdgeCache.AspNetCore.Proxy;

/// <summary>The caching proxy's log messages (source-generated).</summary>
internal static partial class ProxyLog
{
    /// <summary>The proxy's log category.</summary>
    public const string Category = "EdgeCache.Proxy";

    [LoggerMessage(201, LogLevel.Warning, "The origin failed for {Url}: {Reason}")]
    public static partial void OriginFailed(ILogger logger, string url, string reason, Exception exception);

    [LoggerMessage(202, LogLevel.Warning, "The cache store failed for {Key}; the request is answered without it")]
    public static partial void StoreFailed(ILogger logger, string key, Exception exception);

    [LoggerMessage(203, LogLevel.Debug, "{Url} not stored: {Reason}")]
    public static partial void NotStored(ILogger logger, string url, string reason);

    [LoggerMessage(204, LogLevel.Warning, "The origin body for {Url} broke off; nothing was stored")]
    public static partial void BodyFailed(ILogger logger, string url, Exception exception);

    [LoggerMessage(206, LogLevel.Error, "The proxy failed unexpectedly on {Path}")]
    public static partial void Unexpected(ILogger logger, string path, Exception exception);

    [LoggerMessage(205, LogLevel.Information, "Rejected a request whose URL or Host cannot be mapped onto the origin: {Reason}")]
    public static partial void BadTarget(ILogger logger, string reason);

    [LoggerMessage(208, LogLevel.Information, "The stored body for {Path} was gone before its send began; answered again as a miss")]
    public static partial void StoredBodyGone(ILogger logger, string path, Exception exception);

    [LoggerMessage(209, LogLevel.Warning, "The stored body for {Path} broke off after the response started; the connection was aborted")]
    public static partial void StoredBodyBrokeOff(ILogger logger, string path, Exception exception);

    [LoggerMessage(207, LogLevel.Information, "Rejected a request to {Url} whose body breaks its framing: {Reason}")]
    public static partial void BadRequestBody(ILogger logger, string url, string reason);
}
