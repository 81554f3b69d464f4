namespace EdgeCache.Storage;

/// <content>The write of a small body of declared length over memory and disk: one copy for both tiers.</content>
public sealed partial class TieredStore
{
    /// <summary>
    /// Collects a body that memory keeps as one body of its own and disk keeps in the index row (declared length, up to
    /// <see cref="DiskStoreOptions.InlineBodyLimit"/>) into one place, which both tiers publish at commit: the memory tier's
    /// native block (an array when the tier has no block to give), so the memory entry and the queued disk row share it
    /// instead of each holding a copy. Nothing writes to it after the commit; the disk row's checksum is taken over it
    /// then, and the disk tier copies it into the row when the row commits, so the crash guarantee is the disk tier's own
    /// (a row is whole or absent). A block keeps the queued row's bytes off the GC heap: the array that waited in the
    /// disk queue until its row was written was what tiered held above the memory store (docs/performance.md,
    /// "Session 12: tiered RSS"). A body of other than the declared length is handled by <see cref="DeclaredLength"/>.
    /// </summary>
    private sealed class SharedBodyWriter : ICacheEntryWriter
    {
        private readonly TieredStore _owner;
        private readonly DiskStore _disk;
        private readonly EntryMetadata _metadata;
        private readonly long _begun;

        // The writer's reference on the block (or the array): given back at commit or dispose, whoever else holds one.
        private NativeBody? _native;
        private byte[]? _array;
        private int _length;
        private DeclaredLength _declared;

        public SharedBodyWriter(TieredStore owner, DiskStore disk, EntryMetadata metadata, long begun)
        {
            _owner = owner;
            _disk = disk;
            _metadata = metadata;
            _begun = begun;
            _declared = new DeclaredLength(owner, metadata);
            _native = owner._memory.TryAllocateShared(metadata.BodyLength);
            _array = _native is null ? StoredBodyArrays.Allocate((int)metadata.BodyLength) : null;
        }

        private bool Holding => _native is not null || _array is not null;

        public ValueTask<bool> WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        {
            if (!_declared.TryCount(data.Length, holding: Holding) || !Holding)
            {
                // More than the declared length (the body is exactly that long), or after a commit or dispose.
                Drop();
                return new ValueTask<bool>(false);
            }

            data.Span.CopyTo(_native is not null ? _native.Writable[_length..] : _array.AsSpan(_length));
            _length += data.Length;
            return new ValueTask<bool>(true);
        }

        public async ValueTask<bool> CommitAsync(CancellationToken cancellationToken = default)
        {
            var holding = Holding;
            var native = _native;
            var array = _array;
            _native = null;
            _array = null;
            try
            {
                if (!_declared.CompleteAtCommit(holding) || !holding)
                {
                    await _declared.DeleteIfMismatchedAsync(cancellationToken).ConfigureAwait(false);
                    return false;
                }

                return await _owner.CommitUnlessPurgedAsync(
                    _begun, _metadata, (Writer: this, Native: native, Array: array), static (state, ct) => state.Writer.PublishBothAsync(state.Native, state.Array, ct), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // Each tier that took the block holds a reference of its own.
                native?.Release();
            }
        }

        // Under the commit lock: both tiers publish the one body, then the tier that did not take it loses its older copy.
        private ValueTask<bool> PublishBothAsync(NativeBody? native, byte[]? array, CancellationToken cancellationToken)
        {
            bool below, inMemory;
            if (native is not null)
            {
                below = TryPublish(_disk, static (tier, m, b) => ((DiskStore)tier).PublishInRow(m, b.Bytes, b), native);
                inMemory = TryPublish(_owner._memory, static (tier, m, b) => ((MemoryStore)tier).PublishShared(m, b), native);
            }
            else
            {
                below = TryPublish(_disk, static (tier, m, b) => ((DiskStore)tier).PublishInRow(m, b, null), array!);
                inMemory = TryPublish(_owner._memory, static (tier, m, b) => ((MemoryStore)tier).PublishArray(m, b), array!);
            }

            return _owner.SettleCommitAsync(_metadata.Key, below, inMemory, cancellationToken);
        }

        public ValueTask DisposeAsync()
        {
            Drop();

            // A writer abandoned after an over-long write, without a commit, still drops the stale copies.
            return _declared.DeleteIfMismatchedAsync(CancellationToken.None);
        }

        private void Drop()
        {
            _array = null;
            var native = _native;
            _native = null;
            native?.Release();
        }

        // One tier's publish of the shared body; a tier that throws is logged and counts as not taking it.
        private bool TryPublish<TBody>(ICacheStore tier, Func<ICacheStore, EntryMetadata, TBody, bool> publish, TBody body)
        {
            try
            {
                return publish(tier, _metadata, body);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                StorageLog.TierFailed(_owner._logger, tier.Name, "commit", ex);
                return false;
            }
        }
    }
}
