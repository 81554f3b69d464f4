using System.Buffers;
using EdgeCache.AspNetCore.Bridge;

namespace EdgeCache.AspNetCore.Proxy;

/// <summary>
/// What the proxy puts in and takes out of the store: entry writes (built by the engine's <see cref="EntryBuilder"/>),
/// 304 refreshes, Vary markers, the proxy's own storage rules on top of the RFC 9111 policy, and invalidation
/// after unsafe requests (RFC 9111 section 4.4).
/// </summary>
internal sealed partial class CachingProxy
{
    private static readonly string[] SetCookieOnly = ["Set-Cookie"];

    private const string ClearSiteData = "Clear-Site-Data";

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

        Stream stream;
        try
        {
            stream = entry.OpenBody();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The stale body left the store while the origin answered: nothing to refresh (serving it retries as a miss).
            ProxyLog.StoreFailed(_logger, key, ex);
            return false;
        }

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
    /// <summary>
    /// The engine's decision, with the proxy's own rules, on an origin answer the client's own request brought back
    /// (a 206 or a POST's answer, stored after the fact): storability is judged against this request.
    /// </summary>
    private (FetchedResponse Fetched, EntryDecision Decision) DecideForThisRequest(
        HttpContext context, ProxyTarget target, HttpResponseMessage response, DateTimeOffset requestTime, DateTimeOffset responseTime, EntryPurpose purpose)
    {
        var requestCc = CacheControlDirectives.Parse((IEnumerable<string>)context.Request.Headers.CacheControl!);
        var state = CreateFetchState(context, target, new Lookup(null, false, target.Key, string.Empty, string.Empty, string.Empty), requestCc);
        var originPrivate = state.OnOriginResponse is not null && !state.DangerouslyCachePrivate && FetchedResponse.IsMarkedPrivate(response);
        var fetched = FetchedResponse.From(response, requestTime, responseTime, requestCc.NoStore, state.HasAuthorization, purpose);
        return (fetched, ProxyPolicies(_policy.Decide(fetched), fetched, originPrivate, state, response));
    }

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

        // Clear-Site-Data is an instruction to the one browser that got it (sign out, wipe storage): replayed from a stored
        // copy it would sign out every visitor. The client whose request the origin answered still gets it.
        if (response.Has(ClearSiteData))
        {
            decision = decision.Stripping(ClearSiteData);
        }

        if (_options.SetCookie != SetCookiePolicy.Share && response.Has("Set-Cookie") && !decision.Strips("Set-Cookie"))
        {
            return _options.SetCookie == SetCookiePolicy.DoNotStore ? decision.Refusing("SetCookie") : decision.Stripping("Set-Cookie");
        }

        return decision;
    }

    /// <summary>The key of another URL on the origin (a Location to invalidate), canonicalised as a request target would be.</summary>
    private string KeyFor(Uri uri, string? host)
    {
        var canonical = CanonicalTarget.Parse(uri.GetComponents(UriComponents.PathAndQuery, UriFormat.UriEscaped));
        var pathAndQuery = canonical is null ? uri.PathAndQuery : string.Concat(canonical.Path, canonical.Query);
        return host is null
            ? string.Concat(_originPrefix.AsSpan(0, _originPrefix.Length - _originPath.Length), pathAndQuery)
            : string.Concat(_originScheme, host.ToLowerInvariant(), pathAndQuery);
    }

    private async Task DeleteAsync(string key)
    {
        try
        {
            await _store.DeleteAsync(key, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            ProxyLog.StoreFailed(_logger, key, ex);
        }
    }

    /// <summary>RFC 9111 section 4.4: drop the target URI and same-origin Location / Content-Location after a successful unsafe request.</summary>
    private async Task InvalidateAsync(HttpContext context, ProxyTarget target, HttpResponseMessage response)
    {
        var location = response.Headers.Location?.OriginalString;
        var contentLocation = response.Content.Headers.ContentLocation?.OriginalString
            ?? Http.HttpMessageHeaders.Joined(response.Headers, response.Content, "Content-Location");
        await InvalidateKeyAsync(target.Key).ConfigureAwait(false);
        var targetUri = new Uri(target.OriginUrl, UriKind.Absolute);
        foreach (var uri in Invalidation.Targets(targetUri, location, contentLocation).Skip(1))
        {
            await InvalidateKeyAsync(KeyFor(uri, target.HostHeader)).ConfigureAwait(false);
        }

        // References written with the public host the client used are the same resources.
        var request = context.Request;
        if (Uri.TryCreate($"{request.Scheme}://{request.Host.Value}{request.PathBase}{request.Path}", UriKind.Absolute, out var publicUri))
        {
            foreach (var reference in new[] { location, contentLocation })
            {
                if (reference is not null && Uri.TryCreate(publicUri, reference.Trim(), out var resolved)
                    && Invalidation.SameOrigin(publicUri, resolved) && !Invalidation.SameOrigin(publicUri, targetUri)
                    && Uri.TryCreate(string.Concat(_originPrefix, resolved.PathAndQuery), UriKind.Absolute, out var mapped))
                {
                    await InvalidateKeyAsync(KeyFor(mapped, target.HostHeader)).ConfigureAwait(false);
                }
            }
        }
    }

    private async Task InvalidateKeyAsync(string key)
    {
        _hitForPass.Forget(key);
        await DeleteAsync(key).ConfigureAwait(false);
        await DeleteAsync(PartKey(key)).ConfigureAwait(false);
    }
}
