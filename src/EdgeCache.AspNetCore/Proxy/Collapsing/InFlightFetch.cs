using System.Threading.Tasks.Sources;

namespace EdgeCache.AspNetCore.Proxy;

/// <summary>One origin fetch that concurrent requests for the same key wait on.</summary>
/// <remarks>
/// A miss that nobody joins allocates no task for its outcome: the leader awaits the fetch itself (a value-task
/// source, completed inline on the fetch's own thread: one thread-pool hop less per miss), and the task collapsed
/// requests wait on is made by the first of them that asks for it.
/// </remarks>
internal sealed class InFlightFetch(string collapseKey, CacheEntry? staleEntry, long purgeSequence) : IValueTaskSource<FetchOutcome>
{
    // RunContinuationsAsynchronously is false: the leader's continuation runs inline where it is released. Collapsed
    // requests wait on _waiters, whose continuations are queued, so the fetch never runs more than the one request inline.
    private ManualResetValueTaskSourceCore<FetchOutcome> _leader;
    private FetchOutcome? _published;
    private TaskCompletionSource<FetchOutcome>? _waiters;
    private int _leaderReleased;
    private int _followers;

    /// <summary>The key the fetch is registered under.</summary>
    public string CollapseKey { get; } = collapseKey;

    /// <summary>The store's <see cref="IPurgeFencedStore.PurgeSequence"/> when the fetch began: a purge since then may have meant to remove what it brings.</summary>
    public long PurgeSequence { get; } = purgeSequence;

    /// <summary>The stored response being revalidated, or null for a miss.</summary>
    public CacheEntry? StaleEntry { get; } = staleEntry;

    /// <summary>The outcome once published (the origin's response headers are in, or the fetch failed), else null.</summary>
    public FetchOutcome? Published => Volatile.Read(ref _published);

    /// <summary>Completed once the outcome is published: what collapsed requests wait on.</summary>
    public Task<FetchOutcome> Outcome
    {
        get
        {
            if (Volatile.Read(ref _waiters) is { } waiters)
            {
                return waiters.Task;
            }

            var created = new TaskCompletionSource<FetchOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters = Interlocked.CompareExchange(ref _waiters, created, null) ?? created;

            // Publish sets _published before it reads _waiters, this sets _waiters before it reads _published (both
            // interlocked): at least one of the two sees the other's write, so the outcome always reaches the task.
            if (Volatile.Read(ref _published) is { } outcome)
            {
                waiters.TrySetResult(outcome);
            }

            return waiters.Task;
        }
    }

    /// <summary>
    /// What the request that started the fetch waits on: the same outcome, released by <see cref="Publish"/> or
    /// <see cref="ReleaseLeader"/>. Awaited once, by the leader only.
    /// </summary>
    public ValueTask<FetchOutcome> LeaderOutcome => new(this, _leader.Version);

    /// <summary>How many requests joined the fetch besides its leader.</summary>
    public int Followers => Volatile.Read(ref _followers);

    public void Join() => Interlocked.Increment(ref _followers);

    /// <summary>
    /// Publishes the outcome to collapsed requests and, unless <paramref name="holdLeader"/>, to the leader
    /// (whose continuation may run inline before this returns). The first outcome wins.
    /// </summary>
    public bool Publish(FetchOutcome outcome, bool holdLeader = false)
    {
        if (Interlocked.CompareExchange(ref _published, outcome, null) is not null)
        {
            return false;
        }

        Volatile.Read(ref _waiters)?.TrySetResult(outcome);
        if (!holdLeader)
        {
            SetLeader(outcome);
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
        if ((instead ?? Published) is { } outcome)
        {
            SetLeader(outcome);
        }
    }

    FetchOutcome IValueTaskSource<FetchOutcome>.GetResult(short token) => _leader.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<FetchOutcome>.GetStatus(short token) => _leader.GetStatus(token);

    void IValueTaskSource<FetchOutcome>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _leader.OnCompleted(continuation, state, token, flags);

    // The leader's outcome is set once: the first release wins, as the task's TrySetResult did.
    private void SetLeader(FetchOutcome outcome)
    {
        if (Interlocked.Exchange(ref _leaderReleased, 1) == 0)
        {
            _leader.SetResult(outcome);
        }
    }
}
