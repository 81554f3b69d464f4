using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Hashing;
using Microsoft.Win32.SafeHandles;

namespace EdgeCache.Storage;

/// <content>Body files: where they live, whether one is whole, and their deletion after a grace period.</content>
public sealed partial class DiskStore
{
    private const int VerifyBufferSize = 64 * 1024;

    private readonly ConcurrentQueue<(string Path, long DueMs, long Size)> _pendingDeletes = new();

    internal static void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // An orphan is removed by the next recovery; nothing more to do now.
        }
    }

    private static bool BodyIsWhole(string path, long size)
    {
        var info = new FileInfo(path);
        return info.Exists && info.Length == size;
    }

    /// <summary>
    /// Whether the body file is there with its row's length. With the lookup cache on, the file is opened (for the
    /// asynchronous reads a socket's file send needs) and handed back with one reference, for the cache to keep; off, it
    /// is only looked at, and each send opens it by name.
    /// </summary>
    private bool OpenWholeBody(string path, long size, out DiskBodyHandle? file)
    {
        file = null;
        if (!_lookups.Enabled)
        {
            return BodyIsWhole(path, size);
        }

        SafeFileHandle handle;
        try
        {
            if (_options.BodyOpenFault?.Invoke() is { } fault)
            {
                throw fault;
            }

            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        catch (IOException)
        {
            // Out of descriptors, say: the hit is still a hit, sent by opening the file by name as without the cache.
            return BodyIsWhole(path, size);
        }

        if (RandomAccess.GetLength(handle) != size)
        {
            handle.Dispose();
            return false;
        }

        file = new DiskBodyHandle(handle, size);
        return true;
    }

    private string BodyPath(long id) => Path.Combine(
        _bodyDirectory,
        (id & 0xFF).ToString("x2", CultureInfo.InvariantCulture),
        id.ToString("x16", CultureInfo.InvariantCulture));

    /// <summary>Whether a body has its row's length and checksum (rows of an index that predates checksums: length only).</summary>
    private static bool BodyMatches(string path, long size, long? checksum)
    {
        if (checksum is not { } expected)
        {
            return true;
        }

        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan);
        var hash = new XxHash3();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(VerifyBufferSize);
        try
        {
            long offset = 0;
            int read;
            while ((read = RandomAccess.Read(file, buffer, offset)) > 0)
            {
                hash.Append(buffer.AsSpan(0, read));
                offset += read;
            }

            return offset == size && (long)hash.GetCurrentHashAsUInt64() == expected;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void ScheduleDelete(string? path, long size)
    {
        if (path is not null)
        {
            _pendingDeletes.Enqueue((path, _time.GetUtcNow().ToUnixTimeMilliseconds() + (long)_options.DeletionGrace.TotalMilliseconds, size));
            Interlocked.Add(ref _pendingDeleteBytes, size);
        }
    }

    private void RemoveRow(long id)
    {
        var removed = new List<DiskIndex.Removed>();
        _index.DeleteById(id, removed);
        ScheduleDeletes(removed);
    }

    private void ScheduleDeletes(List<DiskIndex.Removed> removed)
    {
        if (removed.Count == 0)
        {
            return;
        }

        var due = _time.GetUtcNow().ToUnixTimeMilliseconds() + (long)_options.DeletionGrace.TotalMilliseconds;
        foreach (var row in removed)
        {
            if (row.HasFile)
            {
                _pendingDeletes.Enqueue((BodyPath(row.Id), due, row.Size));
                Interlocked.Add(ref _pendingDeleteBytes, row.Size);
            }
        }
    }

    private void DeleteDueFiles(long nowMs, bool everything)
    {
        while (_pendingDeletes.TryPeek(out var next) && (everything || next.DueMs <= nowMs))
        {
            if (_pendingDeletes.TryDequeue(out var item))
            {
                TryDeleteFile(item.Path);
                Interlocked.Add(ref _pendingDeleteBytes, -item.Size);
            }
        }
    }
}
