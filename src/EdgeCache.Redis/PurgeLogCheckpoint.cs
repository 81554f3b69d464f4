using Microsoft.Extensions.Logging;

namespace EdgeCache.Redis;

/// <summary>
/// Where a node's local tiers stand in the purge log (<c>epoch position</c> in a file), for tiers that outlive
/// the process; none when the path is null.
/// </summary>
internal sealed class PurgeLogCheckpoint(string? path, ILogger logger)
{
    /// <summary>The recorded epoch and position; null when there is none or it cannot be read.</summary>
    public (Guid, long)? Read()
    {
        if (path is not { } file || !File.Exists(file))
        {
            return null;
        }

        try
        {
            var parts = File.ReadAllText(file).Split(' ', StringSplitOptions.TrimEntries);
            return parts.Length == 2 && Guid.TryParse(parts[0], out var epoch)
                && long.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var position)
                ? (epoch, position) : null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            RedisLog.PurgeLogCheckpointFailed(logger, file, exception);
            return null;
        }
    }

    /// <summary>Records the epoch and position (replacing the file whole).</summary>
    public void Write(Guid epoch, long position)
    {
        if (path is not { } file)
        {
            return;
        }

        try
        {
            // Written after the purges it counts were applied: a crash in between re-applies them (harmless).
            var temporary = file + ".tmp";
            File.WriteAllText(temporary, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{epoch:D} {position}"));
            File.Move(temporary, file, overwrite: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            RedisLog.PurgeLogCheckpointFailed(logger, file, exception);
        }
    }
}
