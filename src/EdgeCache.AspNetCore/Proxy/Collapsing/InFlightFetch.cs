namespace EdgeCache.AspNetCore.Proxy;

/// <summary>One origin fetch that concurrent requests for the same key wait on.</summary>
internal sealed class InFlightFetch(string collapseKey, CacheEntry? staleEntry, long purgeSequence)
{
    private readonly TaskCompletionSource<FetchOutcome> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // The leader's continuation runs on the fetch's own thread when this is set: one thread-pool hop less
    // per miss. Collapsed requests wait on _outcome, whose continuations are queued, so the fetch never
    // runs more than the one request inline.
    private readonly TaskCompletionSource<FetchOutcome> _leaderOutcome = new(TaskCreationOptions.None);
    private int _followers;

    /// <summary>The key the fetch is registered under.</summary>
    public string CollapseKey { get; } = collapseKey;

    /// <summary>The store's <see cref="IPurgeFencedStore.PurgeSequence"/> when the fetch began: a purge since then may have meant to remove what it brings.</summary>
    public long PurgeSequence { get; } = purgeSequence;

    /// <summary>The stored response being revalidated, or null for a miss.</summary>
    public CacheEntry? StaleEntry { get; } = staleEntry;

    /// <summary>Completed once the origin's response headers are in (or the fetch failed): what collapsed requests wait on.</summary>
    public Task<FetchOutcome> Outcome => _outcome.Task;

    /// <summary>What the request that started the fetch waits on: the same outcome, released by <see cref="Publish"/> or <see cref="ReleaseLeader"/>.</summary>
    public Task<FetchOutcome> LeaderOutcome => _leaderOutcome.Task;

    /// <summary>How many requests joined the fetch besides its leader.</summary>
    public int Followers => Volatile.Read(ref _followers);

    public void Join() => Interlocked.Increment(ref _followers);

    /// <summary>
    /// Publishes the outcome to collapsed requests and, unless <paramref name="holdLeader"/>, to the leader
    /// (whose continuation may run inline before this returns). The first outcome wins.
    /// </summary>
    public bool Publish(FetchOutcome outcome, bool holdLeader = false)
    {
        if (!_outcome.TrySetResult(outcome))
        {
            return false;
        }

        if (!holdLeader)
        {
            _leaderOutcome.TrySetResult(outcome);
        }

        return true;
    }

    /// <summary>
    /// Releases a leader held by <see cref="Publish"/> (a small body's first bytes are in, or the fetch ended)
    /// with the published outcome, or with <paramref name="instead"/> when the fetch failed before the leader
    /// started. Does nothing once the leader has its outcome.
    /// </summary>
    public void ReleaseLeader(FetchOutcome? instead = null)
    {
        if (instead is not null)
        {
            _leaderOutcome.TrySetResult(instead);
        }
        else if (_outcome.Task.IsCompletedSuccessfully)
        {
            _leaderOutcome.TrySetResult(_outcome.Task.Result);
        }
    }
}
