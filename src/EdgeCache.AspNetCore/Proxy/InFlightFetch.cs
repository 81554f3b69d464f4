using EdgeCache.Storage;

namespace EdgeCache.AspNetCore.Proxy;

/// <summary>One origin fetch that concurrent requests for the same key wait on.</summary>
internal sealed class InFlightFetch(string collapseKey, CacheEntry? staleEntry)
{
    private int _followers;

    /// <summary>The key the fetch is registered under.</summary>
    public string CollapseKey { get; } = collapseKey;

    /// <summary>The stored response being revalidated, or null for a miss.</summary>
    public CacheEntry? StaleEntry { get; } = staleEntry;

    /// <summary>Completed once the origin's response headers are in (or the fetch failed).</summary>
    public TaskCompletionSource<FetchOutcome> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How many requests joined the fetch besides its leader.</summary>
    public int Followers => Volatile.Read(ref _followers);

    public void Join() => Interlocked.Increment(ref _followers);
}
