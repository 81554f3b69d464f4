using System.Globalization;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Storage;

/// <content>Recovery after an unclean shutdown (orphans) and verification after a reboot (damaged bodies).</content>
public sealed partial class DiskStore
{
    /// <summary>
    /// Records this boot's id beside the data and says whether the bodies there may predate a reboot (a
    /// different or unknown boot id): only then can the page cache have lost writes that were never flushed.
    /// </summary>
    private static bool SwapBootId(string path)
    {
        string? current = null;
        try
        {
            current = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not Linux: every open counts as after a reboot.
        }

        var previous = File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        if (current is not null && current != previous)
        {
            File.WriteAllText(path, current);
        }

        return current is null || current != previous;
    }

    /// <summary>After a reboot: checks every body written before it and drops the damaged ones; then reads trust them.</summary>
    private void VerifyEarlierBodies()
    {
        try
        {
            var below = Volatile.Read(ref _verifyBelow);
            var rows = _index.BodiesBelow(below);
            var damaged = 0L;
            foreach (var (id, size, checksum) in rows)
            {
                if (Volatile.Read(ref _disposed) != 0)
                {
                    return;
                }

                var path = BodyPath(id);
                bool whole;
                try
                {
                    whole = BodyIsWhole(path, size) && BodyMatches(path, size, checksum);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    whole = false;
                }

                if (!whole)
                {
                    damaged++;
                    RemoveRow(id);
                }
            }

            Volatile.Write(ref _verifyBelow, 0);
            StorageLog.DiskVerified(_logger, rows.Count, damaged);
        }
        catch (Exception ex)
        {
            StorageLog.DiskOperationFailed(_logger, "verification", ex);
        }
    }

    private void Recover()
    {
        try
        {
            var below = _index.FirstIdOfThisProcess;
            var rows = new HashSet<long>(_index.IdsBelow(below));
            long orphanFiles = 0;
            foreach (var shard in Directory.EnumerateDirectories(_bodyDirectory))
            {
                foreach (var file in Directory.EnumerateFiles(shard))
                {
                    if (Volatile.Read(ref _disposed) != 0)
                    {
                        return;
                    }

                    var name = Path.GetFileName(file);
                    if (!long.TryParse(name, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var id))
                    {
                        TryDeleteFile(file);
                        orphanFiles++;
                    }
                    else if (id < below && !rows.Remove(id))
                    {
                        TryDeleteFile(file);
                        orphanFiles++;
                    }
                }
            }

            // What is left in the set are rows whose file was never seen.
            var removed = new List<DiskIndex.Removed>();
            foreach (var id in rows)
            {
                _index.DeleteById(id, removed);
            }

            StorageLog.DiskRecovered(_logger, orphanFiles, rows.Count);
        }
        catch (Exception ex)
        {
            StorageLog.DiskOperationFailed(_logger, "recovery", ex);
        }
    }

    private void FillKeyFilter()
    {
        try
        {
            _index.FillKeyFilter();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Without it every lookup asks the index, as before the filter: slower misses, the same answers.
            StorageLog.DiskOperationFailed(_logger, "key filter", ex);
        }
    }
}
