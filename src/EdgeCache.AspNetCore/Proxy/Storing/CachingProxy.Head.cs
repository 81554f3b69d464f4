using EdgeCache.Http;

namespace EdgeCache.AspNetCore.Proxy;

/// <summary>RFC 9111 section 4.3.5: a HEAD revalidates the stored GET without fetching its body, and its answer updates or invalidates it.</summary>
internal sealed partial class CachingProxy
{
    /// <summary>
    /// A HEAD whose stored GET must be validated asks the origin with a conditional HEAD. A 304, or a 200 whose
    /// validators (and Content-Length, when sent) match the stored response, updates the stored headers as a 304
    /// would (section 3.2) and the client is answered from the entry; a 200 that does not match invalidates the
    /// stored GET, and the origin's answer goes to the client.
    /// </summary>
    private async Task RevalidateWithHeadAsync(HttpContext context, ProxyTarget target, Lookup lookup, CacheControlDirectives requestCc, string forward)
    {
        var stale = lookup.Entry!;
        var metadata = stale.Metadata;
        HttpRequestMessage message;
        try
        {
            message = _requests.Create(context, target, OriginRequestFactory.Adapt.CacheFill | OriginRequestFactory.Adapt.Head);
        }
        catch (FormatException)
        {
            await OriginResponseWriter.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "400 Bad Request: the request cannot be forwarded.\n",
                Status(new CacheStatus(EdgeCacheStatus.Dynamic, Detail: "bad-request")), EdgeCacheStatus.Dynamic, _via).ConfigureAwait(false);
            return;
        }

        OriginRequestFactory.AddValidators(message, metadata.GetHeader("ETag"), metadata.GetHeader("Last-Modified"));
        var state = CreateFetchState(context, target, lookup, requestCc);
        var requestTime = _time.GetUtcNow();
        HttpResponseMessage response;
        using (message)
        {
            try
            {
                response = await _client.SendAsync(message, context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested)
            {
                var (code, detail) = OriginFailure.Classify(ex);
                ProxyLog.OriginFailed(_logger, target.OriginUrl, detail, ex);
                if (!await TryServeStaleOnErrorAsync(context, stale, requestCc, forward, 0, detail).ConfigureAwait(false))
                {
                    await WriteOriginErrorAsync(context, code, detail, new CacheStatus(EdgeCacheStatus.Expired, Forward: forward)).ConfigureAwait(false);
                }

                return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        using (response)
        {
            var responseTime = _time.GetUtcNow();
            state.OnOriginResponse?.Invoke(response);
            var status = (int)response.StatusCode;
            if (status == StatusCodes.Status304NotModified || (status == StatusCodes.Status200OK && HeadMatches(metadata, response)))
            {
                var fetched = FetchedResponse.From(response, requestTime, responseTime, requestCc.NoStore, state.HasAuthorization);
                var updated = await UpdateFromNotModifiedAsync(stale, fetched, state).ConfigureAwait(false);
                var cookies = _options.SetCookie == SetCookiePolicy.Share ? [] : fetched.LinesNamed("Set-Cookie");
                var age = EntryAge.Current(updated.Metadata, _time.GetUtcNow());
                await ServeEntryAsync(
                    context, updated, age,
                    new CacheStatus(EdgeCacheStatus.Revalidated, Forward: forward, ForwardStatus: status, Detail: status == StatusCodes.Status200OK ? "head-update" : null),
                    cookies.Count > 0 ? [.. updated.Metadata.Headers, .. cookies] : null).ConfigureAwait(false);
                return;
            }

            if (Reuse.IsErrorStatus(status) && await TryServeStaleOnErrorAsync(context, stale, requestCc, forward, status, null).ConfigureAwait(false))
            {
                return;
            }

            var invalidated = status == StatusCodes.Status200OK;
            if (invalidated)
            {
                // The origin's representation is no longer the stored one: the next GET fetches it.
                await InvalidateKeyAsync(lookup.CollapseKey).ConfigureAwait(false);
            }

            var passStatus = new CacheStatus(EdgeCacheStatus.Expired, Forward: forward, ForwardStatus: status, Detail: invalidated ? "head-invalidated" : null);
            await OriginResponseWriter.WriteAsync(context, response, Status(passStatus), passStatus.Outcome, _via, _time.GetUtcNow(), _passOn, evaluatePreconditions: true).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Section 4.3.5: the HEAD response carries at least one validator, every validator it carries equals the stored
    /// response's, and its Content-Length, when given, is the stored body's length.
    /// </summary>
    private static bool HeadMatches(EntryMetadata stored, HttpResponseMessage head)
    {
        var etag = HttpMessageHeaders.Joined(head.Headers, head.Content, "ETag");
        var lastModified = HttpMessageHeaders.Joined(head.Headers, head.Content, "Last-Modified");
        if (etag is null && lastModified is null)
        {
            return false;
        }

        if (etag is not null && !string.Equals(etag.Trim(), stored.GetHeader("ETag")?.Trim(), StringComparison.Ordinal))
        {
            return false;
        }

        if (lastModified is not null
            && !(HttpDate.TryParse(lastModified, out var headDate) && HttpDate.TryParse(stored.GetHeader("Last-Modified"), out var storedDate) && headDate == storedDate))
        {
            return false;
        }

        return head.Content.Headers.ContentLength is not { } length || stored.BodyLength < 0 || length == stored.BodyLength;
    }
}
