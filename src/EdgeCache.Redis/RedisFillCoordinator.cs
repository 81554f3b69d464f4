using EdgeCache.Storage;

namespace EdgeCache.Redis;

/// <summary>The proxy's <see cref="ICacheFillCoordinator"/> over <see cref="RedisFillLock"/>.</summary>
public sealed class RedisFillCoordinator(RedisFillLock fillLock) : ICacheFillCoordinator
{
    /// <inheritdoc />
    public async ValueTask<IAsyncDisposable?> TryAcquireAsync(string key, CancellationToken cancellationToken = default)
        => await fillLock.TryAcquireFillLockAsync(key, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask WaitAsync(string key, TimeSpan maxWait, CancellationToken cancellationToken = default)
        => await fillLock.WaitForFillAsync(key, maxWait, cancellationToken).ConfigureAwait(false);
}
