namespace EdgeCache.Storage;

/// <content>The write path: one writer over both tiers, committed under the commit lock.</content>
public sealed partial class TieredStore
{
    /// <summary>
    /// Takes the commit lock. It is held for microseconds (both tiers' commits complete synchronously in the common
    /// case), so a writer that finds it taken spins a little before it waits asynchronously: under load the
    /// asynchronous wait put the rest of nearly every miss behind a thread-pool hop.
    /// </summary>
    private ValueTask EnterCommitLockAsync(CancellationToken cancellationToken)
    {
        var spinner = default(SpinWait);
        while (!_commitLock.Wait(0, CancellationToken.None))
        {
            if (spinner.NextSpinWillYield)
            {
                return new ValueTask(_commitLock.WaitAsync(cancellationToken));
            }

            spinner.SpinOnce();
        }

        return default;
    }

    /// <summary>
    /// Runs a writer's <paramref name="commit"/> under the commit lock, unless a purge since <paramref name="begun"/>
    /// covers the entry (false then, nothing committed); a commit overtakes the key's promotions in flight.
    /// </summary>
    private async ValueTask<bool> CommitUnlessPurgedAsync<TState>(
        long begun, EntryMetadata metadata, TState state, Func<TState, CancellationToken, ValueTask<bool>> commit, CancellationToken cancellationToken)
    {
        await EnterCommitLockAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_fence.Blocks(begun, metadata))
            {
                return false;
            }

            var committed = await commit(state, cancellationToken).ConfigureAwait(false);
            _promotions.Overtake(metadata.Key);
            return committed;
        }
        finally
        {
            _commitLock.Release();
        }
    }

    /// <summary>
    /// After a write committed to <paramref name="below"/> and/or <paramref name="inMemory"/> (under the commit lock):
    /// removes the older copy a tier that did not take the write still holds. Returns whether either tier took it.
    /// </summary>
    private async ValueTask<bool> SettleCommitAsync(string key, bool below, bool inMemory, CancellationToken cancellationToken)
    {
        if (!inMemory)
        {
            // An older copy in memory would shadow the new one below.
            await TryAsync(_memory, "delete", s => s.DeleteAsync(key, cancellationToken)).ConfigureAwait(false);
        }

        if (!below && inMemory)
        {
            // An older copy below would come back once memory evicts the new one.
            await TryAsync(_lower, "delete", s => s.DeleteAsync(key, cancellationToken)).ConfigureAwait(false);
        }

        return below || inMemory;
    }

    /// <summary>
    /// Writes through to both tiers; memory drops out once the object outgrows it. A body of other than the declared length
    /// is handled by <see cref="DeclaredLength"/>; the length is counted here, not left to the tiers: a tier that already
    /// dropped out for its own reasons (memory's object limit) would not see it.
    /// </summary>
    private sealed class Writer(TieredStore owner, EntryMetadata metadata, long begun, ICacheEntryWriter? memory, ICacheEntryWriter? lower) : ICacheEntryWriter
    {
        private readonly string _key = metadata.Key;

        private ICacheEntryWriter? _memory = memory;
        private ICacheEntryWriter? _lower = lower;
        private DeclaredLength _declared = new(owner, metadata);

        public async ValueTask<bool> WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        {
            if (!_declared.TryCount(data.Length, holding: _lower is not null || _memory is not null))
            {
                // More than the declared length: neither tier may store it.
                await DropBothAsync().ConfigureAwait(false);
                return false;
            }

            if (_lower is not null && !await WriteToAsync(_lower, owner._lower, data, cancellationToken).ConfigureAwait(false))
            {
                await DropAsync(ref _lower).ConfigureAwait(false);
            }

            if (_memory is not null && !await WriteToAsync(_memory, owner._memory, data, cancellationToken).ConfigureAwait(false))
            {
                await DropAsync(ref _memory).ConfigureAwait(false);
            }

            return _lower is not null || _memory is not null;
        }

        public async ValueTask<bool> CommitAsync(CancellationToken cancellationToken = default)
        {
            if (!_declared.CompleteAtCommit(holding: _lower is not null || _memory is not null))
            {
                await DisposeAsync().ConfigureAwait(false);
                return false;
            }

            if (!await owner.CommitUnlessPurgedAsync(begun, metadata, this, static (writer, ct) => writer.CommitBothAsync(ct), cancellationToken).ConfigureAwait(false))
            {
                // Fenced by a purge, or neither tier took it: whatever a tier still holds uncommitted goes.
                await DisposeAsync().ConfigureAwait(false);
                return false;
            }

            return true;
        }

        private async ValueTask<bool> CommitBothAsync(CancellationToken cancellationToken)
        {
            var below = _lower is not null && await CommitToAsync(_lower, owner._lower, cancellationToken).ConfigureAwait(false);
            var inMemory = _memory is not null && await CommitToAsync(_memory, owner._memory, cancellationToken).ConfigureAwait(false);
            return await owner.SettleCommitAsync(_key, below, inMemory, cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            await DropBothAsync().ConfigureAwait(false);
            await _declared.DeleteIfMismatchedAsync(CancellationToken.None).ConfigureAwait(false);
        }

        private async ValueTask DropBothAsync()
        {
            await DropAsync(ref _lower).ConfigureAwait(false);
            await DropAsync(ref _memory).ConfigureAwait(false);
        }

        private static ValueTask DropAsync(ref ICacheEntryWriter? writer)
        {
            var dropped = writer;
            writer = null;
            return dropped?.DisposeAsync() ?? default;
        }

        private async ValueTask<bool> WriteToAsync(ICacheEntryWriter writer, ICacheStore tier, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            try
            {
                return await writer.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                StorageLog.TierFailed(owner._logger, tier.Name, "write", ex);
                return false;
            }
        }

        private async ValueTask<bool> CommitToAsync(ICacheEntryWriter writer, ICacheStore tier, CancellationToken cancellationToken)
        {
            try
            {
                return await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                StorageLog.TierFailed(owner._logger, tier.Name, "commit", ex);
                return false;
            }
        }
    }
}
