namespace EdgeCache.AspNetCore.Proxy;

/// <summary>
/// Collapsing: a miss or a revalidation joins the fill in flight for its key or leads a new one (one origin request
/// per key at a time, within this node and, with a fill coordinator, across nodes), and every request it collapsed
/// is then served what the fill produced.
/// </summary>
internal sealed partial class CachingProxy
{
    /// <summary>
    /// A miss or a revalidation: join the in-flight fetch for the key, or lead a new one, then serve
    /// what it produced. The fetch itself is owned by no request, so a leader that goes away leaves
    /// it running for the others.
    /// </summary>
    /// <remarks>
    /// Not async: the registration is synchronous, and only the wait for the outcome (<see cref="ServeWhenFetchedAsync"/>,
    /// <see cref="ServeCollapsedAsync"/>) is a frame of its own, the one a miss keeps on the heap while the origin answers.
    /// </remarks>
    private Task FetchThroughAsync(HttpContext context, ProxyTarget target, Lookup lookup, CacheControlDirectives requestCc, string forward, bool hitForPass = false)
    {
        InFlightFetch fetch;
        ExpectedRead? expected = null;
        var leader = true;
        if (_options.CollapseRequests && lookup.CollapseKey.Length > 0 && !hitForPass)
        {
            while (true)
            {
                if (_inFlight.TryGetValue(lookup.CollapseKey, out var existing))
                {
                    if (PurgedSinceStarted(existing))
                    {
                        // A purge since the fetch began may have meant to remove what it brings: this request
                        // leads a fetch of its own (later ones join that), and the old one finishes for its followers.
                        var replacement = new InFlightFetch(lookup.CollapseKey, lookup.Entry, PurgeSequence);
                        if (_inFlight.TryUpdate(lookup.CollapseKey, replacement, existing))
                        {
                            fetch = replacement;
                            break;
                        }

                        continue;
                    }

                    if (existing.Published is { Kind: FetchOutcomeKind.Shared, Buffer.IsWhole: true } filled)
                    {
                        // The fill has its whole body and is only being stored: this request came after it,
                        // so it is a hit if the stored copy would be one (fresh, no no-cache), or else a fetch
                        // of its own, not collapsed. A slow commit (a shared tier) must not stretch a response's
                        // freshness or let a no-cache response be reused without validation (RFC 9111 section 4).
                        if (ReferenceEquals(requestCc, CacheControlDirectives.Empty) && IsFreshAfterFill(filled))
                        {
                            if (!existing.TryHold())
                            {
                                // The fill ended meanwhile (it has left the table): look again.
                                continue;
                            }

                            return ServeOutcomeAsync(context, target, lookup.Entry, requestCc, forward, filled, FetchRole.AfterFill, hitForPass, existing);
                        }

                        fetch = new InFlightFetch(string.Empty, lookup.Entry, PurgeSequence);
                        break;
                    }

                    if (!existing.TryJoin(out expected))
                    {
                        // The fill ended meanwhile (it has left the table): look again.
                        continue;
                    }

                    fetch = existing;
                    leader = false;
                    Diagnostics.EdgeCacheTelemetry.RecordCollapsed();
                    break;
                }

                var created = new InFlightFetch(lookup.CollapseKey, lookup.Entry, PurgeSequence);
                if (_inFlight.TryAdd(lookup.CollapseKey, created))
                {
                    fetch = created;
                    break;
                }
            }
        }
        else
        {
            fetch = new InFlightFetch(string.Empty, lookup.Entry, PurgeSequence);
        }

        if (!leader)
        {
            return ServeCollapsedAsync(context, target, lookup.Entry, requestCc, forward, fetch, expected!, hitForPass);
        }

        if (!TryStartFetch(context, target, lookup, requestCc, fetch))
        {
            return OriginResponseWriter.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "400 Bad Request: the request cannot be forwarded.\n",
                Status(new CacheStatus(EdgeCacheStatus.Dynamic, Detail: "bad-request")), EdgeCacheStatus.Dynamic, _via);
        }

        // Bounded by the origin timeout; not by the client, so the response is always disposed.
        var outcome = fetch.LeaderOutcome;
        return outcome.IsCompletedSuccessfully
            ? ServeOutcomeAsync(context, target, lookup.Entry, requestCc, forward, outcome.Result, FetchRole.Leader, hitForPass, fetch)
            : ServeWhenFetchedAsync(context, target, lookup.Entry, requestCc, forward, fetch, outcome, hitForPass);
    }

    /// <summary>The leader, once the fetch it started has an outcome for it.</summary>
    private async Task ServeWhenFetchedAsync(
        HttpContext context, ProxyTarget target, CacheEntry? stale, CacheControlDirectives requestCc, string forward, InFlightFetch fetch, ValueTask<FetchOutcome> outcome, bool hitForPass)
        => await ServeOutcomeAsync(context, target, stale, requestCc, forward, await outcome.ConfigureAwait(false), FetchRole.Leader, hitForPass, fetch).ConfigureAwait(false);

    /// <summary>A request collapsed onto another's fetch: waits for its outcome (up to <see cref="CachingProxyOptions.CollapseWaitTimeout"/>), then serves it.</summary>
    private async Task ServeCollapsedAsync(
        HttpContext context, ProxyTarget target, CacheEntry? stale, CacheControlDirectives requestCc, string forward, InFlightFetch fetch, ExpectedRead expected, bool hitForPass)
    {
        FetchOutcome outcome;
        try
        {
            outcome = await fetch.Outcome.WaitAsync(_options.CollapseWaitTimeout, _time, context.RequestAborted).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            expected.Withdraw();
            fetch.Release();
            await PassAsync(context, target, new CacheStatus(stale is null ? EdgeCacheStatus.Miss : EdgeCacheStatus.Expired, Forward: forward, Detail: "collapse-timeout"), invalidate: false, stale, requestCc).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException)
        {
            expected.Withdraw();
            fetch.Release();
            return;
        }

        await ServeOutcomeAsync(context, target, stale, requestCc, forward, outcome, FetchRole.Collapsed, hitForPass, fetch, expected).ConfigureAwait(false);
    }

    /// <summary>
    /// Serves a fetch's outcome, then lets go of <paramref name="hold"/> (the request's hold on the fetch's buffer) and
    /// of <paramref name="expected"/> (a collapsed request's place in it, if it never started reading).
    /// </summary>
    private async Task ServeOutcomeAsync(
        HttpContext context, ProxyTarget target, CacheEntry? stale, CacheControlDirectives requestCc, string forward, FetchOutcome outcome, FetchRole role, bool hitForPass,
        InFlightFetch hold, ExpectedRead? expected = null)
    {
        try
        {
            var leader = role == FetchRole.Leader;
            switch (outcome.Kind)
            {
                case FetchOutcomeKind.Shared:
                    if (!leader && outcome.VaryNames.Length > 0
                        && !string.Equals(VaryKey.Build(target.Key, outcome.Generation, outcome.VaryNames, context.Request.Headers, RequestField, context.Features.Get<ProxyCachePolicyFeature>()?.VaryModes), outcome.VariantKey, StringComparison.Ordinal))
                    {
                        // The response varies on a field this request sends differently: it is not ours to use.
                        await PassAsync(context, target, new CacheStatus(stale is null ? EdgeCacheStatus.Miss : EdgeCacheStatus.Expired, Forward: "vary-miss"), invalidate: false).ConfigureAwait(false);
                        return;
                    }

                    var age = EntryAge.Current(outcome.InitialAge, outcome.ResponseTime, _time.GetUtcNow());
                    var ttl = (long)Math.Floor((outcome.FreshnessLifetime - age).TotalSeconds);
                    var status = role == FetchRole.AfterFill
                        ? new CacheStatus(EdgeCacheStatus.Hit, Hit: true, Ttl: ttl)
                        : new CacheStatus(
                            stale is null ? EdgeCacheStatus.Miss : EdgeCacheStatus.Expired, Forward: forward, ForwardStatus: outcome.ForwardStatus,
                            Ttl: ttl, Stored: leader, Collapsed: !leader);
                    // RFC 9111 section 5.1: Age says a response was not produced by the origin for this request,
                    // so the request that fetched it gets only the origin's own Age; collapsed requests get the real one.
                    var ageSeconds = !leader ? EntryAge.HeaderSeconds(age) : outcome.OriginAge ?? -1;
                    await StoredResponseWriter.WriteAsync(
                        context, outcome.Status, leader ? outcome.LeaderHeaders : outcome.Headers, null, outcome.Buffer, outcome.DeclaredLength, ageSeconds,
                        Status(status), status.Outcome, _via, _passOn, expected).ConfigureAwait(false);
                    return;

                case FetchOutcomeKind.Pass:
                    if (leader && outcome.Response is { } unwanted && context.Request.Headers.Range.Count > 0 && (int)unwanted.StatusCode == StatusCodes.Status200OK)
                    {
                        // The whole object was fetched to answer a range from it, but it may not be stored
                        // (or is too large): ask the origin for just the range instead of sending it all.
                        unwanted.Dispose();
                        await PassAsync(context, target, new CacheStatus(EdgeCacheStatus.Bypass, Forward: "partial"), invalidate: false).ConfigureAwait(false);
                        return;
                    }

                    if (leader && outcome.Response is { } response)
                    {
                        using (response)
                        {
                            var passStatus = hitForPass
                                ? new CacheStatus(EdgeCacheStatus.Dynamic, Forward: "bypass", ForwardStatus: outcome.ForwardStatus, Detail: "hit-for-pass")
                                : new CacheStatus(stale is null ? EdgeCacheStatus.Bypass : EdgeCacheStatus.Expired, Forward: forward, ForwardStatus: outcome.ForwardStatus);

                            // The client's preconditions were not sent (the fetch was meant to be stored): answer them here.
                            await OriginResponseWriter.WriteAsync(context, response, Status(passStatus), passStatus.Outcome, _via, _time.GetUtcNow(), _passOn, evaluatePreconditions: true).ConfigureAwait(false);
                        }

                        return;
                    }

                    await PassAsync(context, target, new CacheStatus(EdgeCacheStatus.Dynamic, Forward: "bypass", Detail: "hit-for-pass"), invalidate: false).ConfigureAwait(false);
                    return;

                case FetchOutcomeKind.FilledElsewhere:
                    var shared = outcome.Entry!;
                    var sharedAge = EntryAge.Current(shared.Metadata, _time.GetUtcNow());
                    await ServeEntryAsync(context, shared, sharedAge, new CacheStatus(EdgeCacheStatus.Hit, Hit: true, Detail: "filled-by-peer")).ConfigureAwait(false);
                    return;

                case FetchOutcomeKind.Revalidated:
                    var entry = outcome.Entry!;
                    var entryAge = EntryAge.Current(entry.Metadata, _time.GetUtcNow());
                    var revalidatedHeaders = leader && outcome.LeaderCookies.Count > 0 ? [.. entry.Metadata.Headers, .. outcome.LeaderCookies] : entry.Metadata.Headers;
                    await ServeEntryAsync(context, entry, entryAge, new CacheStatus(EdgeCacheStatus.Revalidated, Forward: forward, ForwardStatus: 304, Collapsed: !leader), revalidatedHeaders).ConfigureAwait(false);
                    return;

                default:
                    if (stale is not null
                        && await TryServeStaleOnErrorAsync(context, stale, requestCc, forward, outcome.ForwardStatus, outcome.Disconnected).ConfigureAwait(false))
                    {
                        return;
                    }

                    await WriteOriginErrorAsync(
                        context, outcome.ForwardStatus >= 500 ? StatusCodes.Status502BadGateway : outcome.Status, outcome.Error ?? "origin-unreachable",
                        new CacheStatus(stale is null ? EdgeCacheStatus.Miss : EdgeCacheStatus.Expired, Forward: forward, ForwardStatus: outcome.ForwardStatus)).ConfigureAwait(false);
                    return;
            }
        }
        finally
        {
            expected?.Withdraw();
            hold.Release();
        }
    }

    /// <summary>RFC 5861 section 3: one background revalidation per key while stale copies are served.</summary>
    private void StartBackgroundRevalidation(HttpContext context, ProxyTarget target, Lookup lookup, CacheControlDirectives requestCc)
    {
        if (lookup.CollapseKey.Length == 0 || _inFlight.ContainsKey(lookup.CollapseKey))
        {
            return;
        }

        var fetch = new InFlightFetch(lookup.CollapseKey, lookup.Entry, PurgeSequence);
        if (!_inFlight.TryAdd(lookup.CollapseKey, fetch))
        {
            return;
        }

        if (!TryStartFetch(context, target, lookup, requestCc, fetch, leaderWaits: false))
        {
            return;
        }

        // Nobody serves this outcome: an uncacheable answer is dropped.
        _tracker?.Track(fetch.Outcome.ContinueWith(
            static t => t.Result.Response?.Dispose(),
            CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));
    }

    /// <summary>
    /// Publishes an outcome that has no body still streaming in (a pass, a failure, a revalidation, a peer's
    /// copy), after taking the fetch off the in-flight table: a request that arrives once the answer is known
    /// is not collapsed onto it but finds the store (or goes to the origin) itself.
    /// </summary>
    private bool Finish(InFlightFetch fetch, FetchOutcome outcome)
    {
        Retire(fetch);
        return fetch.Publish(outcome);
    }

    /// <summary>Takes the fetch off the in-flight table (only this fetch: a newer one for the key stays).</summary>
    private void Retire(InFlightFetch fetch)
    {
        if (fetch.CollapseKey.Length > 0)
        {
            _inFlight.TryRemove(new KeyValuePair<string, InFlightFetch>(fetch.CollapseKey, fetch));
        }
    }

    /// <summary>
    /// Another node is filling this key: wait for it, then serve its copy from the shared store when it is
    /// fresh. Returns <see langword="false"/> when there is nothing usable, and this node fetches itself.
    /// </summary>
    private async Task<bool> ServeOtherNodesFillAsync(EdgeCache.Storage.ICacheFillCoordinator coordinator, InFlightFetch fetch)
    {
        await coordinator.WaitAsync(fetch.CollapseKey, _options.CollapseWaitTimeout, _stopping.Token).ConfigureAwait(false);
        var filled = await GetAsync(fetch.CollapseKey, _stopping.Token).ConfigureAwait(false);
        if (filled is null || filled.Metadata.Invalidated
            || filled.Metadata.FreshnessLifetime <= EntryAge.Current(filled.Metadata, _time.GetUtcNow()))
        {
            return false;
        }

        Diagnostics.EdgeCacheTelemetry.RecordCollapsed();
        return Finish(fetch, new FetchOutcome { Kind = FetchOutcomeKind.FilledElsewhere, Status = filled.Metadata.StatusCode, Entry = filled });
    }

    /// <summary>Whether a fill's response, whole but not yet stored, may answer a later request as its stored copy would.</summary>
    private bool IsFreshAfterFill(FetchOutcome filled)
    {
        var age = EntryAge.Current(filled.InitialAge, filled.ResponseTime, _time.GetUtcNow());
        var stored = ResponseFacts.From(filled.Status, filled.Headers).Directives;
        return Reuse.Decide(filled.FreshnessLifetime, age, invalidated: false, stored, CacheControlDirectives.Empty) == ReuseDecision.Fresh;
    }

    /// <summary>Whether a purge came after <paramref name="fetch"/> began (so it must not serve requests that came after the purge).</summary>
    private bool PurgedSinceStarted(InFlightFetch fetch) => _fenced is { } fenced && fenced.PurgeSequence != fetch.PurgeSequence;
}
