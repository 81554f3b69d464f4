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

    // Who may still read the fill's buffer: the fill and the leader from the start, then every request that joined or
    // serves the filled body. The last to let go gives the buffer's segments back to the pool; a hold is taken only while
    // the count is above zero, so a recycled buffer is never read. A hold never let go only keeps the segments from the pool.
    private int _holders = 2;

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

    /// <summary>The followers that will read the fetch's buffer and have not begun: its buffer keeps their start for them.</summary>
    public ExpectedReaders ExpectedReaders { get; } = new();

    /// <summary>
    /// Joins as a collapsed request, holding the fetch (<see cref="Release"/>) and expected as a reader of its buffer
    /// (<paramref name="expected"/>, withdrawn when the request is done); false once the fetch has ended.
    /// </summary>
    public bool TryJoin([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ExpectedRead? expected)
    {
        // Expected before the hold is taken: a fill trimming its buffer in between would release the start.
        expected = ExpectedReaders.Expect();
        if (!TryHold())
        {
            expected.Withdraw();
            expected = null;
            return false;
        }

        Interlocked.Increment(ref _followers);
        return true;
    }

    /// <summary>Takes a hold on the fetch's buffer, to serve it (<see cref="Release"/>); false once the fetch has ended and nobody reads it.</summary>
    public bool TryHold()
    {
        var seen = Volatile.Read(ref _holders);
        while (seen > 0)
        {
            var before = Interlocked.CompareExchange(ref _holders, seen + 1, seen);
            if (before == seen)
            {
                return true;
            }

            seen = before;
        }

        return false;
    }

    /// <summary>
    /// Lets go of a hold: the fill's or the leader's own (each exactly once, when done with the buffer), or one taken by
    /// <see cref="TryJoin"/> or <see cref="TryHold"/>. The last one recycles the buffer's segments.
    /// </summary>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _holders);
        if (left == 0)
        {
            Published?.Buffer?.Recycle();
        }
        else if (left < 0)
        {
            throw new InvalidOperationException("A fetch was released more often than it was held.");
        }
    }

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
