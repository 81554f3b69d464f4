namespace EdgeCache.Storage;

/// <summary>
/// A body being written into a store. Nothing is visible to readers until <see cref="CommitAsync"/>
/// succeeds; disposing without a commit aborts and leaves no trace.
/// </summary>
public interface ICacheEntryWriter : IAsyncDisposable
{
    /// <summary>
    /// Appends body bytes. Returns <see langword="false"/> once the writer has given up (the object
    /// outgrew the store's limit, or the store failed); the caller may stop writing then.
    /// </summary>
    ValueTask<bool> WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>
    /// Publishes the entry atomically, replacing any entry under the same key.
    /// Returns <see langword="false"/> when nothing was stored (declined or failed).
    /// </summary>
    ValueTask<bool> CommitAsync(CancellationToken cancellationToken = default);
}
