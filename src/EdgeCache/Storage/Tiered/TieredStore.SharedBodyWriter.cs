namespace EdgeCache.Storage;

/// <content>The write of a small body of declared length over memory and disk: one array for both tiers.</content>
public sealed partial class TieredStore
{
    /// <summary>
    /// Collects a body that memory keeps in an array of its own and disk keeps in the index row (declared length, up to
    /// <see cref="DiskStoreOptions.InlineBodyLimit"/>) into one array, which both tiers publish at commit: the memory entry
    /// and the queued disk row share it instead of each holding a copy. Nothing writes to the array after the commit; the
    /// disk row's checksum is taken over it then, and SQLite copies it into the row when the row commits, so the crash
    /// guarantee is the disk tier's own (a row is whole or absent).
    /// </summary>
    private sealed class SharedBodyWriter(TieredStore owner, DiskStore disk, EntryMetadata metadata, long begun) : ICacheEntryWriter
    {
        private byte[]? _body = GC.AllocateUninitializedArray<byte>((int)metadata.BodyLength);
        private int _length;

        public ValueTask<bool> WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        {
            if (_body is null || data.Length > _body.Length - _length)
            {
                // More than the declared length: neither tier would store it.
                _body = null;
                return new ValueTask<bool>(false);
            }

            data.Span.CopyTo(_body.AsSpan(_length));
            _length += data.Length;
            return new ValueTask<bool>(true);
        }

        public async ValueTask<bool> CommitAsync(CancellationToken cancellationToken = default)
        {
            var body = _body;
            _body = null;
            if (body is null || _length != body.Length)
            {
                return false;
            }

            await owner.EnterCommitLockAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (owner._fence.Blocks(begun, metadata))
                {
                    return false;
                }

                var below = PublishBelow(body);
                var inMemory = PublishInMemory(body);
                var committed = await owner.SettleCommitAsync(metadata.Key, below, inMemory, cancellationToken).ConfigureAwait(false);
                owner._promotions.Overtake(metadata.Key);
                return committed;
            }
            finally
            {
                owner._commitLock.Release();
            }
        }

        public ValueTask DisposeAsync()
        {
            _body = null;
            return default;
        }

        private bool PublishBelow(byte[] body)
        {
            try
            {
                return disk.PublishInRow(metadata, body);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                StorageLog.TierFailed(owner._logger, disk.Name, "commit", ex);
                return false;
            }
        }

        private bool PublishInMemory(byte[] body)
        {
            try
            {
                return owner._memory.PublishArray(metadata, body);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                StorageLog.TierFailed(owner._logger, owner._memory.Name, "commit", ex);
                return false;
            }
        }
    }
}
