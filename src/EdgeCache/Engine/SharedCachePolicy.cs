using EdgeCache.Semantics;
using EdgeCache.Semantics.Rfc9111;

namespace EdgeCache.Entries;

/// <summary>
/// The RFC 9111 shared-cache profile (the caching proxy): section 3's storability, section 4.2's freshness
/// lifetime (with a capped heuristic from <c>Last-Modified</c>), section 4.2.3's corrected initial age, and a
/// retention after freshness long enough to revalidate the response or serve it stale where a directive or
/// the cache's own setting allows.
/// </summary>
public sealed class SharedCachePolicy : ICacheEntryPolicy
{
    private static readonly CacheControlDirectives NoStoreRequest = CacheControlDirectives.Parse(["no-store"]);

    private readonly TimeSpan _maxHeuristicFreshness;
    private readonly TimeSpan _minimumRetention;

    /// <summary>Creates the policy.</summary>
    /// <param name="maxHeuristicFreshness">The largest lifetime a heuristic may give a response without explicit freshness (section 4.2.2); zero for none.</param>
    /// <param name="minimumRetention">How long any stored response is kept after it became stale, at least (its own stale directives may ask for more).</param>
    public SharedCachePolicy(TimeSpan maxHeuristicFreshness, TimeSpan minimumRetention)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxHeuristicFreshness, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumRetention, TimeSpan.Zero);
        _maxHeuristicFreshness = maxHeuristicFreshness;
        _minimumRetention = minimumRetention;
    }

    /// <inheritdoc />
    /// <remarks>RFC 9111 keeps the origin's <c>Date</c>: ages are computed from it.</remarks>
    public bool StampsDate => false;

    /// <inheritdoc />
    public EntryDecision Decide(FetchedResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var facts = response.Facts;
        var cc = facts.Directives;
        var purpose = response.Purpose;
        var heuristicCap = purpose == EntryPurpose.PostResponse ? TimeSpan.Zero : _maxHeuristicFreshness;
        var lifetime = Freshness.Lifetime(facts, response.ResponseTime, heuristicCap, out _);
        var mustValidate = cc.NoCache && cc.NoCacheFields.Count == 0;
        if (mustValidate)
        {
            lifetime = TimeSpan.Zero; // every use must be validated (section 5.2.2.4)
        }

        var initialAge = AgeCalculation.CorrectedInitialAge(response.Age, facts.Date, response.RequestTime, response.ResponseTime);
        bool hasFreshness;
        switch (purpose)
        {
            case EntryPurpose.Fetch:
                hasFreshness = lifetime > initialAge || facts.HasValidator || cc.StaleWhileRevalidate > 0 || cc.StaleIfError > 0;
                break;
            case EntryPurpose.Part or EntryPurpose.PostResponse:
                // Served without revalidation machinery: only a fresh, non-varying response (a POST's with explicit freshness).
                var explicitFreshness = cc.SharedMaxAge is not null || cc.MaxAge is not null || facts.Expires is not null;
                if (lifetime <= initialAge || facts.Vary is not null || mustValidate || (purpose == EntryPurpose.PostResponse && !explicitFreshness))
                {
                    return EntryDecision.NotStored(nameof(StorageVerdict.NotCacheable), responseDriven: false);
                }

                hasFreshness = true;
                break;
            default:
                hasFreshness = true;
                break;
        }

        var storage = Storability.Evaluate("GET", response.RequestNoStore ? NoStoreRequest : CacheControlDirectives.Empty, response.RequestHasAuthorization, facts, hasFreshness);
        return EntryDecision.From(storage, new EntryLifetime(initialAge, lifetime, Retention(cc)));
    }

    /// <summary>How long a response is kept once stale: for revalidation, its stale windows, and serving it while the origin is unreachable.</summary>
    private TimeSpan Retention(CacheControlDirectives cc)
    {
        var staleWindow = TimeSpan.FromSeconds(Math.Max(cc.StaleWhileRevalidate ?? 0, cc.StaleIfError ?? 0));
        return staleWindow > _minimumRetention ? staleWindow : _minimumRetention;
    }
}
