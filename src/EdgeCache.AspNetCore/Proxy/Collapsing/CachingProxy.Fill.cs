using System.Buffers;

namespace EdgeCache.AspNetCore.Proxy;

/// <summary>
/// The fill itself: the leader's origin request, the engine's decision on the answer, and the body streamed into
/// the shared buffer every collapsed request reads while the store receives it too. No request owns the fill: a
/// leader that goes away leaves it running for the others.
/// </summary>
internal sealed partial class CachingProxy
{
    // How far the slowest reader of an oversized, unstored body may lag behind the origin.
    private const long TrimmedLag = 4L * 1024 * 1024;

    /// <summary>
    /// Builds the origin request from the leader's request (while it is alive) and starts the fetch. <paramref name="leaderWaits"/>:
    /// the request waits for the fetch's outcome, so its fields outlive the fetch's use of them (false for a background revalidation).
    /// </summary>
    private bool TryStartFetch(HttpContext context, ProxyTarget target, Lookup lookup, CacheControlDirectives requestCc, InFlightFetch fetch, bool leaderWaits = true)
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

        // Counted before it starts: the fetch may end before RunFetchAsync returns.
        _tracker?.Begin();
        _ = RunFetchAsync(fetch, message, CreateFetchState(context, target, lookup, requestCc, snapshot: !leaderWaits));
        return true;
    }

    /// <summary>What a fetch keeps of the request that started it.</summary>
    /// <remarks>
    /// With <paramref name="snapshot"/> the request's fields are copied: the request may be gone before the fetch reads
    /// them (a background revalidation). Otherwise the fetch reads the request's own fields, which stay valid while the
    /// request waits for the fetch's outcome: their only reader, the Vary key, is built before the outcome is published.
    /// </remarks>
    private static FetchState CreateFetchState(HttpContext context, ProxyTarget target, Lookup lookup, CacheControlDirectives requestCc, bool snapshot = false)
    {
        var fields = context.Request.Headers;
        if (snapshot)
        {
            var copy = new HeaderDictionary(fields.Count);
            foreach (var (name, values) in fields)
            {
                copy[name] = values;
            }

            fields = copy;
        }

        var policy = context.Features.Get<ProxyCachePolicyFeature>();
        return new FetchState(target, fields, requestCc, fields.Authorization.Count > 0, lookup.Generation, lookup.VaryNames)
        {
            Policy = policy,
            OnOriginResponse = policy?.OnOriginResponse,
            DangerouslyCachePrivate = policy?.DangerouslyCachePrivate ?? false,
            MayStore = policy?.MayStore,
        };
    }

    /// <summary>
    /// The fetch: the origin request, then <see cref="FillAsync"/> with its answer. Two frames, so that the one
    /// suspended while the origin answers (every miss's) holds only what the request needs, not the whole fill's state.
    /// </summary>
    private async Task RunFetchAsync(InFlightFetch fetch, HttpRequestMessage message, FetchState state)
    {
        // The fetch reports its own end to the tracker (which logs what escaped): no frame of the tracker's waits on it.
        Exception? escaped = null;
        try
        {
            IAsyncDisposable? fillLease = null;
            Task? fill = null;
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
                HttpResponseMessage response;

                // Awaited here, not in a frame of the client's: one frame less on the heap per miss while the origin answers.
                var sending = _client.TryStartFill(message, out var started);
                try
                {
                    if (sending is null)
                    {
                        response = await _client.SendAsync(message, CancellationToken.None).ConfigureAwait(false);
                    }
                    else
                    {
                        response = await sending.ConfigureAwait(false);
                        Origin.OriginClient.Answered(started);
                    }
                }
                catch (Exception caught)
                {
                    var ex = sending is null ? caught : _client.Failed(message, started, caught);
                    var (code, detail) = OriginFailure.Classify(ex);
                    ProxyLog.OriginFailed(_logger, state.Target.OriginUrl, detail, ex);
                    Finish(fetch, new FetchOutcome { Kind = FetchOutcomeKind.Failed, Status = code, Error = detail, Disconnected = detail });
                    return;
                }
                finally
                {
                    message.Dispose();
                }

                // From here the fill owns the response and the lease, and ends the fetch.
                fill = FillAsync(fetch, response, fillLease, requestTime, state);
            }
            catch (Exception ex)
            {
                FailBody(fetch, state.Target.OriginUrl, ex);
            }
            finally
            {
                if (fill is null)
                {
                    // A held leader always gets its outcome.
                    fetch.ReleaseLeader();
                    if (fillLease is not null)
                    {
                        await fillLease.DisposeAsync().ConfigureAwait(false);
                    }

                    Retire(fetch);
                }
            }

            if (fill is not null)
            {
                await fill.ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            escaped = ex;
        }
        finally
        {
            _tracker?.End(escaped);
        }
    }

    /// <summary>
    /// The origin's answer: the engine's decision on it, then its body streamed into the shared buffer and the store
    /// (or the response handed to the leader when it may not be stored). Completes synchronously when the body is in.
    /// </summary>
    private async Task FillAsync(InFlightFetch fetch, HttpResponseMessage response, IAsyncDisposable? fillLease, DateTimeOffset requestTime, FetchState state)
    {
        GrowingBuffer? buffer = null;
        ICacheEntryWriter? writer = null;
        var handedOff = false;
        var url = state.Target.OriginUrl;
        try
        {
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
                var staleAge = EntryAge.Current(metadata, responseTime);
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
                storeKey = VaryKey.Build(state.Target.Key, generation, varyNames, state.RequestHeaders, RequestField, state.Policy?.VaryModes);
            }

            var metadata2 = EntryBuilder.Build(storeKey, state.Target.OriginUrl, HostOf(state.Target), fetched, decision, headers, declaredLength ?? -1);
            writer = await BeginWriteAsync(metadata2, fetch.PurgeSequence).ConfigureAwait(false);
            buffer = new GrowingBuffer(declaredLength ?? -1, fetch.ExpectedReaders);

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
            buffer?.Fail(ex);
            FailBody(fetch, url, ex);
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
                response.Dispose();
            }

            // After Retire: a request that finds the fetch now cannot hold it once the last reader let go.
            fetch.Release();
        }
    }

    /// <summary>The fetch broke after the origin answered (or while it was being set up): it ends as a 502 for everyone.</summary>
    private void FailBody(InFlightFetch fetch, string url, Exception ex)
    {
        ProxyLog.BodyFailed(_logger, url, ex);
        var failed = new FetchOutcome { Kind = FetchOutcomeKind.Failed, Status = StatusCodes.Status502BadGateway, Error = "origin-body-failed", Disconnected = "origin-body-failed" };
        Finish(fetch, failed);

        // A leader still held has sent nothing yet: it can answer 502 (or a stale copy) instead of a
        // status line followed by a broken body.
        fetch.ReleaseLeader(failed);
    }

    /// <summary>
    /// Streams the origin body into the shared buffer and the store writer; returns the byte count and
    /// whether the writer is still good. A body that outgrows <see cref="CachingProxyOptions.MaxBufferedObjectSize"/>
    /// is no longer kept whole in memory: the buffer starts trimming, no new request joins, and the origin
    /// is read only as fast as the slowest reader takes it; the store still receives every byte (it
    /// streams to its own file) unless the body also outgrows <see cref="CachingProxyOptions.MaxStoredObjectSize"/>.
    /// </summary>
    private async ValueTask<(long Total, bool WriterKept)> PumpBodyAsync(InFlightFetch fetch, HttpResponseMessage response, GrowingBuffer buffer, ICacheEntryWriter? writer, string primaryKey, string url)
    {
        var stream = await response.Content.ReadAsStreamAsync(_stopping.Token).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var chunk = ArrayPool<byte>.Shared.Rent(64 * 1024);
            var budget = _options.InFlightBudget;
            long reserved = 0;
            try
            {
                long total = 0;
                var trimming = false;
                int read;
                while ((read = await stream.ReadAsync(chunk, _stopping.Token).ConfigureAwait(false)) > 0)
                {
                    total += read;
                    if (!trimming && (total > _options.MaxBufferedObjectSize || (budget is not null && !budget.TryTake(read))))
                    {
                        // Too large to keep whole, or no share of the in-flight budget left (a heap limit is near):
                        // streamed through from here on, so many large fills at once cannot exhaust the heap.
                        trimming = true;
                        Retire(fetch);
                        buffer.StartTrimming();
                    }
                    else if (!trimming && budget is not null)
                    {
                        reserved += read;
                    }

                    if (writer is not null && total > _options.EffectiveMaxStoredObjectSize)
                    {
                        ProxyLog.NotStored(_logger, url, "the body outgrew MaxStoredObjectSize; streamed without storing");
                        await writer.DisposeAsync().ConfigureAwait(false);
                        writer = null;
                        _hitForPass.Remember(primaryKey);
                    }

                    // Not before the first chunk: the leader starts reading only once it has been appended.
                    if (trimming && total > read)
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

                // When the fill ends: readers still sending a whole buffer hold it a while longer, which the headroom
                // of the heap limit covers.
                budget?.Return(reserved);
            }
        }
    }

    /// <summary>What a fetch needs of its leader's request (whose fields it reads live or from a copy: <see cref="CreateFetchState"/>).</summary>
    private sealed record FetchState(
        ProxyTarget Target, IHeaderDictionary RequestHeaders, CacheControlDirectives RequestCc, bool HasAuthorization, string Generation, string VaryNames)
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
