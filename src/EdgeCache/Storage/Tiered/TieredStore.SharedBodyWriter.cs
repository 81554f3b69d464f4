namespace EdgeCache.Storage;

/// <content>The write of a small body of declared length over memory and disk: one array for both tiers.</content>
public sealed partial class TieredStore
{
    /// <summary>
    /// Collects a body that memory keeps in an array of its own and disk keeps in the index row (declared length, up to
    /// <see cref="DiskStoreOptions.InlineBodyLimit"/>) into one array, which both tiers publish at commit: the memory entry
    /// and the queued disk row share it instead of each holding a copy. Nothing writes to the array after the commit; the
    /// disk row's checksum is taken over it then, and SQLite copies it into the row when the row commits, so the crash
    /// guarantee is the disk tier's own (a row is whole or absent). A body of other than the declared length is handled by
    /// <see cref="DeclaredLength"/>.
    /// </summary>
    private sealed class SharedBodyWriter(TieredStore owner, DiskStore disk, EntryMetadata metadata, long begun) : ICacheEntryWriter
    {
        private byte[]? _body = StoredBodyArrays.Allocate((int)metadata.BodyLength);
        private int _length;
        private DeclaredLength _declared = new(owner, metadata);

        public ValueTask<bool> WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        {
            if (!_declared.TryCount(data.Length, holding: _body is not null) || _body is null)
            {
                // More than the declared length (the array is exactly that long), or after a commit or dispose.
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
            if (!_declared.CompleteAtCommit(holding: body is not null) || body is null)
            {
                await _declared.DeleteIfMismatchedAsync(cancellationToken).ConfigureAwait(false);
                return false;
            }

            return await owner.CommitUnlessPurgedAsync(begun, metadata, (Writer: this, Body: body), static (state, ct) => state.Writer.PublishBothAsync(state.Body, ct), cancellationToken).ConfigureAwait(false);
        }

        // Under the commit lock: both tiers publish the one array, then the tier that did not take it loses its older copy.
        private ValueTask<bool> PublishBothAsync(byte[] body, CancellationToken cancellationToken)
        {
            var below = TryPublish(disk, static (tier, m, b) => ((DiskStore)tier).PublishInRow(m, b), body);
            var inMemory = TryPublish(owner._memory, static (tier, m, b) => ((MemoryStore)tier).PublishArray(m, b), body);
            return owner.SettleCommitAsync(metadata.Key, below, inMemory, cancellationToken);
        }

        public ValueTask DisposeAsync()
        {
            _body = null;

            // A writer abandoned after an over-long write, without a commit, still drops the stale copies.
            return _declared.DeleteIfMismatchedAsync(CancellationToken.None);
        }

        // One tier's publish of the shared array; a tier that throws is logged and counts as not taking it.
        private bool TryPublish(ICacheStore tier, Func<ICacheStore, EntryMetadata, byte[], bool> publish, byte[] body)
        {
            try
            {
                return publish(tier, metadata, body);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                StorageLog.TierFailed(owner._logger, tier.Name, "commit", ex);
                return false;
            }
        }
    }
}
