using EdgeCache.Semantics;

namespace EdgeCache.Entries;

/// <summary>
/// The Workers Cache API profile: Cloudflare's <c>cache.put</c> rules (<see cref="WorkersPutPolicy"/>), or, for a
/// fetch with <c>cf</c> options, a forced edge TTL (<see cref="EdgeTtlOverridePolicy"/>). No retention after
/// freshness: <c>cache.match</c> never serves or revalidates a stale entry.
/// </summary>
internal sealed class WorkersCachePolicy : ICacheEntryPolicy
{
    private readonly CacheOptions _options;
    private readonly TimeSpan? _edgeTtl;
    private readonly bool _rejectionsThrow;

    /// <param name="options">The Cache API's options (default edge TTLs).</param>
    /// <param name="edgeTtl">A forced edge TTL, or null for the put rules.</param>
    /// <param name="rejectionsThrow">
    /// True for <c>cache.put</c>, which throws <see cref="ArgumentException"/> for the responses Cloudflare rejects;
    /// false for a fetch's store, which then just does not store.
    /// </param>
    public WorkersCachePolicy(CacheOptions options, TimeSpan? edgeTtl, bool rejectionsThrow)
    {
        _options = options;
        _edgeTtl = edgeTtl;
        _rejectionsThrow = rejectionsThrow;
    }

    /// <inheritdoc />
    public bool StampsDate => true;

    /// <inheritdoc />
    public EntryDecision Decide(FetchedResponse response)
    {
        var request = response.Request ?? throw new ArgumentException("The Workers profile decides on a Cache API put (its key request).", nameof(response));
        var message = response.Message ?? throw new ArgumentException("The Workers profile reads the response message.", nameof(response));
        WorkersPutDecision decision;
        if (_edgeTtl is { } ttl)
        {
            decision = EdgeTtlOverridePolicy.Evaluate(request.Headers.Authorization is not null, message, ttl);
        }
        else
        {
            try
            {
                decision = WorkersPutPolicy.Evaluate(request, message, _options, response.RequestTime);
            }
            catch (ArgumentException ex) when (!_rejectionsThrow)
            {
                decision = WorkersPutDecision.NotStored(ex.Message);
            }
        }

        return decision.Store
            ? EntryDecision.Stored(decision.Reason, [.. decision.StrippedHeaders], new EntryLifetime(decision.InitialAge, decision.FreshnessLifetime, TimeSpan.Zero))
            : EntryDecision.NotStored(decision.Reason, responseDriven: false);
    }
}
