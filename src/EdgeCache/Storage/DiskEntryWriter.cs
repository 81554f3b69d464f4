namespace EdgeCache.Storage;

/// <summary>
/// A body streamed into a temporary file of the disk tier. Commit checks the length, flushes the file
/// to disk and hands it to <see cref="DiskStore.Publish"/>; any failure deletes the file and reports
/// "not stored".
/// </summary>
internal sealed class DiskEntryWriter(DiskStore store, EntryMetadata metadata, string tempPath, FileStream stream) : ICacheEntryWriter
{
    private FileStream? _stream = stream;
    private long _length;

    public async ValueTask<bool> WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        if (_stream is null)
        {
            return false;
        }

        if (_length + data.Length > store.MaxObjectSize)
        {
            await AbortAsync().ConfigureAwait(false);
            return false;
        }

        try
        {
            await _stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            _length += data.Length;
            store.AddInFlight(data.Length);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            StorageLog.DiskWriteFailed(store.Logger, metadata.Key, ex);
            await AbortAsync().ConfigureAwait(false);
            return false;
        }
    }

    public async ValueTask<bool> CommitAsync(CancellationToken cancellationToken = default)
    {
        var stream = _stream;
        if (stream is null || (metadata.BodyLength >= 0 && metadata.BodyLength != _length) || _length > store.SizeLimit)
        {
            await AbortAsync().ConfigureAwait(false);
            return false;
        }

        try
        {
            // The body must be on disk before the index names it (crash safety rule).
            stream.Flush(flushToDisk: true);
            await stream.DisposeAsync().ConfigureAwait(false);
            _stream = null;
            try
            {
                return store.Publish(metadata, tempPath, _length);
            }
            finally
            {
                Release();
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            StorageLog.DiskWriteFailed(store.Logger, metadata.Key, ex);
            await AbortAsync().ConfigureAwait(false);
            return false;
        }
    }

    public ValueTask DisposeAsync() => AbortAsync();

    private async ValueTask AbortAsync()
    {
        var stream = _stream;
        _stream = null;
        if (stream is not null)
        {
            try
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                // Closing a file on a full disk may fail too; the file is deleted below either way.
            }
        }

        // After a successful publish the temp path no longer exists, so this is a no-op then.
        DiskStore.TryDeleteFile(tempPath);
        Release();
    }

    /// <summary>The temporary file is gone (published or deleted): its bytes no longer count as in flight.</summary>
    private void Release()
    {
        store.AddInFlight(-_length);
        _length = 0;
    }
}
