using System.IO.Hashing;
using Microsoft.Win32.SafeHandles;

namespace EdgeCache.Storage;

/// <summary>
/// A body streamed into a temporary file of the disk tier (or, when it is small and its length known, into
/// a buffer that goes into the index row itself), hashed as it goes. Commit checks the length and hands the
/// body and its checksum to <see cref="DiskStore.Publish"/> (file renamed into place, index row queued); any
/// failure deletes the file and reports "not stored".
/// </summary>
/// <remarks>
/// Writes are synchronous: they land in the page cache in microseconds, and an asynchronous write on a
/// file opened without overlapped I/O is the same write behind a thread-pool hop. Nothing is flushed to the
/// device: the checksum in the index is what proves a body whole after a crash of the machine.
/// </remarks>
internal sealed class DiskEntryWriter : ICacheEntryWriter
{
    private readonly DiskStore _store;
    private readonly EntryMetadata _metadata;
    private readonly string? _tempPath;
    private readonly byte[]? _inline;
    private readonly XxHash3 _checksum = new();
    private SafeFileHandle? _file;
    private bool _open = true;
    private long _length;
    private bool _handedOver;

    /// <summary>A writer into a temporary file.</summary>
    public DiskEntryWriter(DiskStore store, EntryMetadata metadata, string tempPath, SafeFileHandle file)
    {
        _store = store;
        _metadata = metadata;
        _tempPath = tempPath;
        _file = file;
    }

    /// <summary>A writer of a small body of known length, kept in the index row.</summary>
    public DiskEntryWriter(DiskStore store, EntryMetadata metadata, int length)
    {
        _store = store;
        _metadata = metadata;
        _inline = new byte[length];
    }

    public ValueTask<bool> WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        if (!_open)
        {
            return new ValueTask<bool>(false);
        }

        if (_length + data.Length > _store.MaxObjectSize || (_inline is not null && _length + data.Length > _inline.Length))
        {
            Abort();
            return new ValueTask<bool>(false);
        }

        try
        {
            if (_inline is not null)
            {
                data.Span.CopyTo(_inline.AsSpan((int)_length));
            }
            else
            {
                RandomAccess.Write(_file!, data.Span, _length);
                _store.AddInFlight(data.Length);
            }

            _checksum.Append(data.Span);
            _length += data.Length;
            return new ValueTask<bool>(true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            StorageLog.DiskWriteFailed(_store.Logger, _metadata.Key, ex);
            Abort();
            return new ValueTask<bool>(false);
        }
    }

    public ValueTask<bool> CommitAsync(CancellationToken cancellationToken = default)
    {
        if (!_open || (_metadata.BodyLength >= 0 && _metadata.BodyLength != _length) || _length > _store.SizeLimit
            || (_inline is not null && _inline.Length != _length))
        {
            Abort();
            return new ValueTask<bool>(false);
        }

        try
        {
            var checksum = (long)_checksum.GetCurrentHashAsUInt64();
            _open = false;
            if (_inline is not null)
            {
                return new ValueTask<bool>(_store.Publish(_metadata, null, _inline, null, _length, checksum));
            }

            var file = _file!;

            // A preallocated file longer than what was written would fail the length check on read.
            if (RandomAccess.GetLength(file) != _length)
            {
                RandomAccess.SetLength(file, _length);
            }

            file.Dispose();
            _file = null;
            _handedOver = true;
            bool stored;
            try
            {
                stored = _store.Publish(_metadata, _tempPath, null, null, _length, checksum);
            }
            finally
            {
                // The file is renamed into place (or deleted): it no longer counts as in flight.
                _store.AddInFlight(-_length);
                _length = 0;
            }

            if (!stored)
            {
                DiskStore.TryDeleteFile(_tempPath!);
            }

            return new ValueTask<bool>(stored);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            StorageLog.DiskWriteFailed(_store.Logger, _metadata.Key, ex);
            _handedOver = false;
            Abort();
            return new ValueTask<bool>(false);
        }
    }

    public ValueTask DisposeAsync()
    {
        Abort();
        return default;
    }

    private void Abort()
    {
        _open = false;
        var file = _file;
        _file = null;
        file?.Dispose();
        if (!_handedOver && _tempPath is not null)
        {
            DiskStore.TryDeleteFile(_tempPath);
            _store.AddInFlight(-_length);
            _length = 0;
        }
    }
}
