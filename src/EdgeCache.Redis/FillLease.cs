namespace EdgeCache.Redis;

/// <summary>
/// The right to fetch one key from the origin, given by <see cref="RedisFillLock.TryAcquireFillLockAsync"/>.
/// Dispose it once the response is stored (or the fetch failed) so waiting nodes stop waiting.
/// </summary>
public sealed class FillLease : IAsyncDisposable
{
    private readonly RedisFillLock? _owner;
    private readonly string _token;
    private int _released;

    internal FillLease(RedisFillLock? owner, string key, string token)
    {
        _owner = owner;
        Key = key;
        _token = token;
    }

    /// <summary>The cache key the lease is for.</summary>
    public string Key { get; }

    /// <summary>
    /// Whether the lease is held in Redis (other nodes wait for it). <see langword="false"/> when
    /// Redis was unavailable or collapsing is off: the caller fills anyway, without collapsing.
    /// </summary>
    public bool IsShared => _owner is not null;

    /// <summary>Releases the lease (only if still ours: an expired lease taken over by another node is left alone).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_owner is not null && Interlocked.Exchange(ref _released, 1) == 0)
        {
            await _owner.ReleaseAsync(Key, _token).ConfigureAwait(false);
        }
    }
}
