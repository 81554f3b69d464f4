using Microsoft.Extensions.Logging;

namespace EdgeCache.Storage;

/// <summary>The storage tiers' log messages (source-generated).</summary>
internal static partial class StorageLog
{
    [LoggerMessage(100, LogLevel.Warning, "Disk tier: lookup of {Key} treated as a miss: the index or body file failed")]
    public static partial void DiskReadFailed(ILogger logger, string key, Exception exception);

    [LoggerMessage(101, LogLevel.Warning, "Disk tier: {Key} not cached: writing the body or the index failed (disk full or I/O error)")]
    public static partial void DiskWriteFailed(ILogger logger, string key, Exception exception);

    [LoggerMessage(102, LogLevel.Warning, "Disk tier: {Operation} failed")]
    public static partial void DiskOperationFailed(ILogger logger, string operation, Exception exception);

    [LoggerMessage(103, LogLevel.Warning, "Disk tier: the body file of {Key} is missing or damaged; the entry was dropped")]
    public static partial void DiskBodyMissing(ILogger logger, string key);

    [LoggerMessage(104, LogLevel.Information, "Disk tier opened at {Directory}: {Entries} entries, {Bytes} bytes; previous shutdown {Shutdown}")]
    public static partial void DiskOpened(ILogger logger, string directory, long entries, long bytes, string shutdown);

    [LoggerMessage(105, LogLevel.Information, "Disk tier recovery: removed {Files} orphan body files and {Rows} index rows without a body")]
    public static partial void DiskRecovered(ILogger logger, long files, long rows);

    [LoggerMessage(107, LogLevel.Debug, "Disk tier: {Key} not cached on disk: the write-behind queue is full")]
    public static partial void DiskWriteDropped(ILogger logger, string key);

    [LoggerMessage(108, LogLevel.Information, "Disk tier: verified {Rows} bodies written before the last reboot; dropped {Damaged} damaged ones")]
    public static partial void DiskVerified(ILogger logger, long rows, long damaged);

    [LoggerMessage(106, LogLevel.Warning, "Tiered store: the {Tier} tier failed during {Operation}; the other tier answers")]
    public static partial void TierFailed(ILogger logger, string tier, string operation, Exception exception);
}
