using System.Buffers;
using EdgeCache.Entries;
using EdgeCache.Semantics;
using EdgeCache.Semantics.Rfc9111;
using EdgeCache.Storage;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.AspNetCore.Proxy;

/// <summary>The fetch side of the proxy: collapsed misses and revalidations, storing, and 304 updates.</summary>
internal sealed partial class CachingProxy
{
    // How far the slowest reader of an oversized, unstored body may lag behind the origin.
    private const long TrimmedLag = 4L * 1024 * 1024;

    private static readonly string[] SetCookieOnly = ["Set-Cookie"];

    /// <summary>
    /// A miss or a revalidation: join the in-flight fetch for the key, or lead a new one, then serve
    /// what it produced. The fetch itself is owned by no request, so a leader that goes away leaves
    /// it running for the others.
    /// </summary>
    private async Task FetchThroughAsync(HttpContext context, ProxyTarget target, Lookup lookup, CacheControlDirectives requestCc, string forward, bool hitForPass = false)
    {
        InFlightFetch fetch;
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

                    if (existing.Outcome.IsCompletedSuccessfully && existing.Outcome.Result is { Kind: FetchOutcomeKind.Shared, Buffer.IsWhole: true } filled)
                    {
                        // The fill has its whole body and is only being stored: this request came after it,
                        // so it is a hit (or, asking for more than a stored copy, a fetch of its own), not collapsed.
                        if (ReferenceEquals(requestCc, CacheControlDirectives.Empty))
                        {
                            await ServeOutcomeAsync(context, target, lookup, requestCc, forward, filled, FetchRole.AfterFill, hitForPass).ConfigureAwait(false);
                            return;
                        }

                        fetch = new InFlightFetch(string.Empty, lookup.Entry, PurgeSequence);
                        break;
                    }

                    fetch = existing;
                    fetch.Join();
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

        FetchOutcome outcome;
        if (leader)
        {
            if (!TryStartFetch(context, target, lookup, requestCc, fetch))
            {
                await OriginResponseWriter.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "400 Bad Request: the request cannot be forwarded.\n",
                    Status(new CacheStatus(EdgeCacheStatus.Dynamic, Detail: "bad-request")), EdgeCacheStatus.Dynamic, _via).ConfigureAwait(false);
                return;
            }

            // Bounded by the origin timeout; not by the client, so the response is always disposed.
            outcome = await fetch.LeaderOutcome.ConfigureAwait(false);
        }
        else
        {
            try
            {
                outcome = await fetch.Outcome.WaitAsync(_options.CollapseWaitTimeout, _time, context.RequestAborted).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                await PassAsync(context, target, new CacheStatus(lookup.Entry is null ? EdgeCacheStatus.Miss : EdgeCacheStatus.Expired, Forward: forward, Detail: "collapse-timeout"), invalidate: false, lookup.Entry, requestCc).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        await ServeOutcomeAsync(context, target, lookup, requestCc, forward, outcome, leader ? FetchRole.Leader : FetchRole.Collapsed, hitForPass).ConfigureAwait(false);
    }

    private async Task ServeOutcomeAsync(HttpContext context, ProxyTarget target, Lookup lookup, CacheControlDirectives requestCc, string forward, FetchOutcome outcome, FetchRole role, bool hitForPass)
    {
        var leader = role == FetchRole.Leader;
        switch (outcome.Kind)
        {
            case FetchOutcomeKind.Shared:
                if (!leader && outcome.VaryNames.Length > 0
                    && !string.Equals(VaryKey.Build(target.Key, outcome.Generation, outcome.VaryNames, context.Request.Headers, RequestField, context.Features.Get<ProxyCachePolicyFeature>()?.VaryModes), outcome.VariantKey, StringComparison.Ordinal))
                {
                    // The response varies on a field this request sends differently: it is not ours to use.
                    await PassAsync(context, target, new CacheStatus(lookup.Entry is null ? EdgeCacheStatus.Miss : EdgeCacheStatus.Expired, Forward: "vary-miss"), invalidate: false).ConfigureAwait(false);
                    return;
                }

                var age = AgeCalculation.CurrentAge(outcome.InitialAge, outcome.ResponseTime, _time.GetUtcNow());
                var ttl = (long)Math.Floor((outcome.FreshnessLifetime - age).TotalSeconds);
                var status = role == FetchRole.AfterFill
                    ? new CacheStatus(EdgeCacheStatus.Hit, Hit: true, Ttl: ttl)
                    : new CacheStatus(
                        lookup.Entry is null ? EdgeCacheStatus.Miss : EdgeCacheStatus.Expired, Forward: forward, ForwardStatus: outcome.ForwardStatus,
                        Ttl: ttl, Stored: leader, Collapsed: !leader);
                // RFC 9111 section 5.1: Age says a response was not produced by the origin for this request,
                // so the request that fetched it gets only the origin's own Age; collapsed requests get the real one.
                var ageSeconds = !leader ? AgeCalculation.ToHeaderSeconds(age) : outcome.OriginAge ?? -1;
                await StoredResponseWriter.WriteAsync(
                    context, outcome.Status, leader ? outcome.LeaderHeaders : outcome.Headers, null, outcome.Buffer, outcome.DeclaredLength, ageSeconds,
                    Status(status), status.Outcome, _via, _passOn).ConfigureAwait(false);
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
                            : new CacheStatus(lookup.Entry is null ? EdgeCacheStatus.Bypass : EdgeCacheStatus.Expired, Forward: forward, ForwardStatus: outcome.ForwardStatus);

                        // The client's preconditions were not sent (the fetch was meant to be stored): answer them here.
                        await OriginResponseWriter.WriteAsync(context, response, Status(passStatus), passStatus.Outcome, _via, _time.GetUtcNow(), _passOn, evaluatePreconditions: true).ConfigureAwait(false);
                    }

                    return;
                }

                await PassAsync(context, target, new CacheStatus(EdgeCacheStatus.Dynamic, Forward: "bypass", Detail: "hit-for-pass"), invalidate: false).ConfigureAwait(false);
                return;

            case FetchOutcomeKind.FilledElsewhere:
                var shared = outcome.Entry!;
                var sharedAge = AgeCalculation.CurrentAge(shared.Metadata.InitialAge, shared.Metadata.ResponseTime, _time.GetUtcNow());
                await ServeEntryAsync(context, shared, sharedAge, new CacheStatus(EdgeCacheStatus.Hit, Hit: true, Detail: "filled-by-peer")).ConfigureAwait(false);
                return;

            case FetchOutcomeKind.Revalidated:
                var entry = outcome.Entry!;
                var entryAge = AgeCalculation.CurrentAge(entry.Metadata.InitialAge, entry.Metadata.ResponseTime, _time.GetUtcNow());
                var revalidatedHeaders = leader && outcome.LeaderCookies.Count > 0 ? [.. entry.Metadata.Headers, .. outcome.LeaderCookies] : entry.Metadata.Headers;
                await ServeEntryAsync(context, entry, entryAge, new CacheStatus(EdgeCacheStatus.Revalidated, Forward: forward, ForwardStatus: 304, Collapsed: !leader), revalidatedHeaders).ConfigureAwait(false);
                return;

            default:
                if (lookup.Entry is { } stale
                    && await TryServeStaleOnErrorAsync(context, stale, requestCc, forward, outcome.ForwardStatus, outcome.Disconnected).ConfigureAwait(false))
                {
                    return;
                }

                await WriteOriginErrorAsync(
                    context, outcome.ForwardStatus >= 500 ? StatusCodes.Status502BadGateway : outcome.Status, outcome.Error ?? "origin-unreachable",
                    new CacheStatus(lookup.Entry is null ? EdgeCacheStatus.Miss : EdgeCacheStatus.Expired, Forward: forward, ForwardStatus: outcome.ForwardStatus)).ConfigureAwait(false);
                return;
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

        if (!TryStartFetch(context, target, lookup, requestCc, fetch))
        {
            return;
        }

        // Nobody serves this outcome: an uncacheable answer is dropped.
        _track(fetch.Outcome.ContinueWith(
            static t => t.Result.Response?.Dispose(),
            CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));
    }

    /// <summary>Builds the origin request from the leader's request (while it is alive) and starts the fetch.</summary>
    private bool TryStartFetch(HttpContext context, ProxyTarget target, Lookup lookup, CacheControlDirectives requestCc, InFlightFetch fetch)
    {
        HttpRequestMessage message;
        try
        {
            message = _requests.Create(context, target, OriginRequestFactory.Adapt.CacheFill);
        }
        catch (FormatException)
        {
            Finish(fetch, new FetchOutcome { Kind = FetchOutcomeKind.Failed, Status = StatusCodes.Status502BadGateway, Error = "bad-request" });
            return false;
        }

        if (fetch.StaleEntry is { } stale)
        {
            var metadata = stale.Metadata;
            OriginRequestFactory.AddValidators(message, metadata.GetHeader("ETag"), metadata.GetHeader("Last-Modified"));
        }

        _track(RunFetchAsync(fetch, message, CreateFetchState(context, target, lookup, requestCc)));
        return true;
    }

    /// <summary>What a fetch keeps of the request that started it.</summary>
    private static FetchState CreateFetchState(HttpContext context, ProxyTarget target, Lookup lookup, CacheControlDirectives requestCc)
    {
        var snapshot = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in context.Request.Headers)
        {
            snapshot[name] = values.ToString();
        }

        var policy = context.Features.Get<ProxyCachePolicyFeature>();
        return new FetchState(target, snapshot, requestCc, context.Request.Headers.Authorization.Count > 0, lookup.Generation, lookup.VaryNames)
        {
            Policy = policy,
            OnOriginResponse = policy?.OnOriginResponse,
            DangerouslyCachePrivate = policy?.DangerouslyCachePrivate ?? false,
            MayStore = policy?.MayStore,
        };
    }

    private async Task RunFetchAsync(InFlightFetch fetch, HttpRequestMessage message, FetchState state)
    {
        HttpResponseMessage? response = null;
        GrowingBuffer? buffer = null;
        ICacheEntryWriter? writer = null;
        var handedOff = false;
        var url = state.Target.OriginUrl;
        IAsyncDisposable? fillLease = null;
        try
        {
            if (_options.FillCoordinator is { } coordinator && fetch.StaleEntry is null && fetch.CollapseKey.Length > 0)
            {
                fillLease = await coordinator.TryAcquireAsync(fetch.CollapseKey, _stopping.Token).ConfigureAwait(false);
                if (fillLease is null && await ServeOtherNodesFillAsync(coordinator, fetch).ConfigureAwait(false))
                {
                    message.Dispose();
                    return;
                }
            }

            var requestTime = _time.GetUtcNow();
            try
            {
                response = await _client.SendAsync(message, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                var (code, detail) = Classify(ex);
                ProxyLog.OriginFailed(_logger, url, detail, ex);
                Finish(fetch, new FetchOutcome { Kind = FetchOutcomeKind.Failed, Status = code, Error = detail, Disconnected = detail });
                return;
            }
            finally
            {
                message.Dispose();
            }

            var responseTime = _time.GetUtcNow();

            // Privacy beats rules: what the origin said of sharing is read before a rule rewrites it.
            var originPrivate = state.OnOriginResponse is not null && !state.DangerouslyCachePrivate && FetchedResponse.IsMarkedPrivate(response);
            state.OnOriginResponse?.Invoke(response);
            var status = (int)response.StatusCode;
            var fetched = FetchedResponse.From(response, requestTime, responseTime, state.RequestCc.NoStore, state.HasAuthorization);
            var stale = fetch.StaleEntry;
            if (stale is not null && status == StatusCodes.Status304NotModified)
            {
                var updated = await UpdateFromNotModifiedAsync(stale, fetched, state, fetch.PurgeSequence).ConfigureAwait(false);
                Finish(fetch, new FetchOutcome
                {
                    Kind = FetchOutcomeKind.Revalidated, Status = updated.Metadata.StatusCode, ForwardStatus = 304, Entry = updated,
                    LeaderCookies = _options.SetCookie == SetCookiePolicy.Share ? [] : fetched.LinesNamed("Set-Cookie"),
                });
                return;
            }

            if (stale is not null && Reuse.IsErrorStatus(status))
            {
                var metadata = stale.Metadata;
                var staleAge = AgeCalculation.CurrentAge(metadata.InitialAge, metadata.ResponseTime, responseTime);
                var storedCc = ResponseFacts.From(metadata.StatusCode, metadata.Headers).Directives;
                if (Reuse.MayServeStaleOnError(metadata.FreshnessLifetime, staleAge, storedCc, state.RequestCc))
                {
                    Finish(fetch, new FetchOutcome { Kind = FetchOutcomeKind.Failed, Status = status, ForwardStatus = status, Error = "origin-error" });
                    return;
                }
            }

            var decision = ProxyPolicies(_policy.Decide(fetched), fetched, originPrivate, state, response);
            var varyNames = fetched.VaryNames;
            if (decision.Store && state.Policy is { } rules && rules.BypassesAny(varyNames))
            {
                decision = decision.Refusing("VaryBypassed");
            }

            var declaredLength = fetched.ContentLength;
            var tooLarge = declaredLength > _options.EffectiveMaxStoredObjectSize;
            if (!decision.Store || tooLarge)
            {
                ProxyLog.NotStored(_logger, url, tooLarge ? "larger than MaxStoredObjectSize" : decision.Reason);
                // A server error is transient: it neither marks the key hit-for-pass (which would stop
                // collapsing while the origin struggles) nor throws away the stored response (section 4.3.3).
                if ((decision.ResponseDriven || tooLarge) && status < 500)
                {
                    _hitForPass.Remember(state.Target.Key);
                }

                if (stale is not null && status < 500)
                {
                    // The stored response is superseded by an answer that may not be stored.
                    await DeleteAsync(fetch.CollapseKey).ConfigureAwait(false);
                }

                handedOff = Finish(fetch, new FetchOutcome { Kind = FetchOutcomeKind.Pass, Status = status, ForwardStatus = status, Response = response });
                return;
            }

            var headers = EntryBuilder.StoredHeaders(fetched, decision.StrippedFields);
            var generation = string.Empty;
            var storeKey = state.Target.Key;
            if (varyNames.Length > 0)
            {
                generation = state.Generation.Length > 0 && string.Equals(state.VaryNames, varyNames, StringComparison.Ordinal)
                    ? state.Generation
                    : Guid.NewGuid().ToString("N")[..12];
                storeKey = VaryKey.Build(state.Target.Key, generation, varyNames, state.RequestHeaders, SnapshotField, state.Policy?.VaryModes);
            }

            var metadata2 = EntryBuilder.Build(storeKey, state.Target.OriginUrl, HostOf(state.Target), fetched, decision, headers, declaredLength ?? -1);
            writer = await BeginWriteAsync(metadata2, fetch.PurgeSequence).ConfigureAwait(false);
            buffer = new GrowingBuffer(declaredLength ?? -1);

            // A small body most likely came in with the headers: the leader starts with its first bytes and
            // runs on this thread to the end of its response, instead of waking up once for the headers and
            // again for the bytes.
            var holdLeader = declaredLength is > 0 and <= GrowingBuffer.MaxSegmentSize;
            var shared = new FetchOutcome
            {
                Kind = FetchOutcomeKind.Shared,
                Status = status,
                ForwardStatus = status,
                Headers = headers,
                LeaderHeaders = decision.StrippedFields.Count == 0 ? headers : EntryBuilder.StoredHeaders(fetched, []),
                Buffer = buffer,
                DeclaredLength = declaredLength ?? -1,
                VariantKey = storeKey,
                Generation = generation,
                VaryNames = varyNames,
                InitialAge = metadata2.InitialAge,
                OriginAge = fetched.Age,
                ResponseTime = responseTime,
                FreshnessLifetime = metadata2.FreshnessLifetime,
            };
            fetch.Publish(shared, holdLeader);

            var (total, writerKept) = await PumpBodyAsync(fetch, response, buffer, writer, state.Target.Key, url).ConfigureAwait(false);
            if (!writerKept)
            {
                // Streamed through without being stored (see PumpBodyAsync); the writer was given up there.
                writer = null;
            }

            if (declaredLength is { } declared && total != declared)
            {
                throw new IOException($"The origin sent {total} of {declared} bytes.");
            }

            if (writer is not null)
            {
                var committed = await CommitAsync(writer, storeKey).ConfigureAwait(false);
                writer = null;
                if (committed && varyNames.Length > 0)
                {
                    await WriteMarkerAsync(state.Target, generation, varyNames, metadata2).ConfigureAwait(false);
                }
            }

            _hitForPass.Forget(state.Target.Key);
            buffer.Complete();
        }
        catch (Exception ex)
        {
            ProxyLog.BodyFailed(_logger, url, ex);
            buffer?.Fail(ex);
            var failed = new FetchOutcome { Kind = FetchOutcomeKind.Failed, Status = StatusCodes.Status502BadGateway, Error = "origin-body-failed", Disconnected = "origin-body-failed" };
            Finish(fetch, failed);

            // A leader still held has sent nothing yet: it can answer 502 (or a stale copy) instead of a
            // status line followed by a broken body.
            fetch.ReleaseLeader(failed);
        }
        finally
        {
            // A held leader always gets its outcome; when the body broke, the buffer says so.
            fetch.ReleaseLeader();
            if (writer is not null)
            {
                await writer.DisposeAsync().ConfigureAwait(false);
            }

            if (fillLease is not null)
            {
                await fillLease.DisposeAsync().ConfigureAwait(false);
            }

            Retire(fetch);
            if (!handedOff)
            {
                response?.Dispose();
            }
        }
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
            || filled.Metadata.FreshnessLifetime <= AgeCalculation.CurrentAge(filled.Metadata.InitialAge, filled.Metadata.ResponseTime, _time.GetUtcNow()))
        {
            return false;
        }

        Diagnostics.EdgeCacheTelemetry.RecordCollapsed();
        return Finish(fetch, new FetchOutcome { Kind = FetchOutcomeKind.FilledElsewhere, Status = filled.Metadata.StatusCode, Entry = filled });
    }

    /// <summary>
    /// Streams the origin body into the shared buffer and the store writer; returns the byte count and
    /// whether the writer is still good. A body that outgrows <see cref="CachingProxyOptions.MaxBufferedObjectSize"/>
    /// is no longer kept whole in memory: the buffer starts trimming, no new request joins, and the origin
    /// is read only as fast as the slowest reader takes it; the store still receives every byte (it
    /// streams to its own file) unless the body also outgrows <see cref="CachingProxyOptions.MaxStoredObjectSize"/>.
    /// </summary>
    private async Task<(long Total, bool WriterKept)> PumpBodyAsync(InFlightFetch fetch, HttpResponseMessage response, GrowingBuffer buffer, ICacheEntryWriter? writer, string primaryKey, string url)
    {
        var stream = await response.Content.ReadAsStreamAsync(_stopping.Token).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var chunk = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                long total = 0;
                int read;
                while ((read = await stream.ReadAsync(chunk, _stopping.Token).ConfigureAwait(false)) > 0)
                {
                    total += read;
                    if (total > _options.MaxBufferedObjectSize && total - read <= _options.MaxBufferedObjectSize)
                    {
                        Retire(fetch);
                        buffer.StartTrimming();
                    }

                    if (writer is not null && total > _options.EffectiveMaxStoredObjectSize)
                    {
                        ProxyLog.NotStored(_logger, url, "the body outgrew MaxStoredObjectSize; streamed without storing");
                        await writer.DisposeAsync().ConfigureAwait(false);
                        writer = null;
                        _hitForPass.Remember(primaryKey);
                    }

                    if (total > _options.MaxBufferedObjectSize)
                    {
                        await buffer.WaitForReadersAsync(TrimmedLag, _options.CollapseWaitTimeout, _time, _stopping.Token).ConfigureAwait(false);
                        if (buffer.ReaderCount == 0)
                        {
                            throw new IOException($"Nobody is reading the body of {url} any more.");
                        }
                    }

                    buffer.Append(chunk.AsSpan(0, read));
                    if (total == read)
                    {
                        fetch.ReleaseLeader();
                    }

                    if (writer is not null && !await WriteAsync(writer, chunk.AsMemory(0, read), url).ConfigureAwait(false))
                    {
                        await writer.DisposeAsync().ConfigureAwait(false);
                        writer = null;
                    }
                }

                return (total, writer is not null);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }
    }

    /// <summary>RFC 9111 section 4.3.4: a 304 freshens the stored response; its headers replace the stored ones (section 3.2).</summary>
    private async Task<CacheEntry> UpdateFromNotModifiedAsync(CacheEntry stale, FetchedResponse notModified, FetchState state, long? fillBegan = null)
    {
        var old = stale.Metadata;

        // A 304's Set-Cookie is its requester's (origins with rolling sessions refresh cookies on 304s):
        // never merged into the stored response unless cookies are shared on purpose.
        var refreshed = notModified.Refreshing(old, _options.SetCookie == SetCookiePolicy.Share ? [] : SetCookieOnly);
        var decision = ProxyPolicies(_policy.Decide(refreshed), refreshed, originPrivate: false, state, message: null);
        var headers = decision.StrippedFields.Count > 0 ? EntryBuilder.StoredHeaders(refreshed, decision.StrippedFields) : refreshed.Lines;
        var metadata = EntryBuilder.Refreshed(old, refreshed, decision, headers);

        if (!decision.Store)
        {
            await DeleteAsync(old.Key).ConfigureAwait(false);
            return new RevalidatedEntry(metadata, stale);
        }

        var writer = await BeginWriteAsync(metadata, fillBegan).ConfigureAwait(false);
        if (writer is not null)
        {
            await using (writer.ConfigureAwait(false))
            {
                if (await CopyStoredBodyAsync(stale, writer, old.Key).ConfigureAwait(false))
                {
                    await CommitAsync(writer, old.Key).ConfigureAwait(false);
                }
            }
        }

        return new RevalidatedEntry(metadata, stale);
    }

    private async Task<bool> CopyStoredBodyAsync(CacheEntry entry, ICacheEntryWriter writer, string key)
    {
        if (entry.TryGetMemory(out var memory))
        {
            return await WriteAsync(writer, memory, key).ConfigureAwait(false);
        }

        var stream = entry.OpenBody();
        await using (stream.ConfigureAwait(false))
        {
            var chunk = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                int read;
                while ((read = await stream.ReadAsync(chunk, _stopping.Token).ConfigureAwait(false)) > 0)
                {
                    if (!await WriteAsync(writer, chunk.AsMemory(0, read), key).ConfigureAwait(false))
                    {
                        return false;
                    }
                }

                return true;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }
    }

    /// <summary>Writes the URL's Vary marker: the field names its variants are keyed on and their generation.</summary>
    private async Task WriteMarkerAsync(ProxyTarget target, string generation, string varyNames, EntryMetadata variant)
    {
        var marker = EntryBuilder.VaryMarker(target.Key, target.OriginUrl, HostOf(target), generation, varyNames, variant);
        var writer = await BeginWriteAsync(marker).ConfigureAwait(false);
        if (writer is not null)
        {
            await using (writer.ConfigureAwait(false))
            {
                await CommitAsync(writer, target.Key).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The host a stored entry is purged by: the one the client named when it is passed through, else the origin's.</summary>
    private string HostOf(ProxyTarget target) => target.HostHeader?.ToLowerInvariant() ?? _originHost;

    /// <summary>Whether a purge came after <paramref name="fetch"/> began (so it must not serve requests that came after the purge).</summary>
    private bool PurgedSinceStarted(InFlightFetch fetch) => _fenced is { } fenced && fenced.PurgeSequence != fetch.PurgeSequence;

    /// <summary>Starts a write; <paramref name="fillBegan"/> is the purge sequence when the fill's origin request went out (the store refuses the commit if a purge since selects it).</summary>
    private async ValueTask<ICacheEntryWriter?> BeginWriteAsync(EntryMetadata metadata, long? fillBegan = null)
    {
        try
        {
            return fillBegan is { } sequence && _fenced is { } fenced
                ? await fenced.BeginWriteAsync(metadata, sequence, CancellationToken.None).ConfigureAwait(false)
                : await _store.BeginWriteAsync(metadata, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            ProxyLog.StoreFailed(_logger, metadata.Key, ex);
            return null;
        }
    }

    private async ValueTask<bool> WriteAsync(ICacheEntryWriter writer, ReadOnlyMemory<byte> data, string key)
    {
        try
        {
            return await writer.WriteAsync(data, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            ProxyLog.StoreFailed(_logger, key, ex);
            return false;
        }
    }

    private async ValueTask<bool> CommitAsync(ICacheEntryWriter writer, string key)
    {
        try
        {
            return await writer.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            ProxyLog.StoreFailed(_logger, key, ex);
            return false;
        }
        finally
        {
            await writer.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The proxy's own storage rules on top of RFC 9111: privacy signals beat rules, the Set-Cookie policy,
    /// and the rules' veto (cache deception armour). Applied to every response the proxy might store.
    /// </summary>
    private EntryDecision ProxyPolicies(EntryDecision decision, FetchedResponse response, bool originPrivate, FetchState state, HttpResponseMessage? message)
    {
        if (!decision.Store)
        {
            return decision;
        }

        if (originPrivate)
        {
            return decision.Refusing("OriginPrivate");
        }

        if (message is not null && state.MayStore is { } mayStore && !mayStore(message))
        {
            return decision.Refusing("ContentTypeMismatch");
        }

        if (_options.SetCookie != SetCookiePolicy.Share && response.Has("Set-Cookie") && !decision.Strips("Set-Cookie"))
        {
            return _options.SetCookie == SetCookiePolicy.DoNotStore ? decision.Refusing("SetCookie") : decision.Stripping("Set-Cookie");
        }

        return decision;
    }

    /// <summary>What a fetch needs of its leader's request after that request may have gone.</summary>
    private sealed record FetchState(
        ProxyTarget Target, Dictionary<string, string> RequestHeaders, CacheControlDirectives RequestCc, bool HasAuthorization, string Generation, string VaryNames)
    {
        /// <summary>The cache rules' adjustment of the origin's response, if any.</summary>
        public Action<HttpResponseMessage>? OnOriginResponse { get; init; }

        /// <summary>A rule allows <see cref="OnOriginResponse"/> to share what the origin marked private.</summary>
        public bool DangerouslyCachePrivate { get; init; }

        /// <summary>The rules' veto before storing.</summary>
        public Func<HttpResponseMessage, bool>? MayStore { get; init; }

        /// <summary>The rules' instructions, for their per-field Vary handling.</summary>
        public ProxyCachePolicyFeature? Policy { get; init; }
    }
}
