using EdgeCache.AspNetCore.Bridge;
using EdgeCache.Http;

namespace EdgeCache.AspNetCore.Proxy;

/// <summary>
/// RFC 9110 section 9.3.3 and RFC 9111 section 4: a POST response with explicit freshness and a Content-Location
/// equal to the target URI is a representation of the target, and may answer later GETs and HEADs.
/// </summary>
internal sealed partial class CachingProxy
{
    /// <summary>
    /// Stores the origin's answer to a POST under the target's key when it says it is the target's representation.
    /// Called after the POST's invalidation (section 4.4) has run, so the invalidation never removes it and nothing
    /// older can stand in for it. On success the body has been buffered and the response can still be sent on.
    /// </summary>
    private async Task<bool> TryStorePostResponseAsync(HttpContext context, ProxyTarget target, HttpResponseMessage response, DateTimeOffset requestTime, DateTimeOffset responseTime)
    {
        var status = (int)response.StatusCode;
        if (!_options.ReusePostResponses || target.Key.Length == 0 || status != StatusCodes.Status200OK
            || response.Content.Headers.ContentLength > _options.MaxBufferedObjectSize
            || !ContentLocationIsTarget(context, target, HttpMessageHeaders.Joined(response.Headers, response.Content, "Content-Location")))
        {
            return false;
        }

        // Explicit freshness only; a varying POST response would need the variant machinery keyed on a request
        // that was not a GET: not stored (the policy's PostResponse rules).
        var (fetched, decision) = DecideForThisRequest(context, target, response, requestTime, responseTime, EntryPurpose.PostResponse);
        if (!decision.Store)
        {
            return false;
        }

        var body = await BufferBodyAsync(response, context.RequestAborted).ConfigureAwait(false);
        if (body is null || (response.Content.Headers.ContentLength is { } declared && declared != body.Length))
        {
            return false;
        }

        var metadata = EntryBuilder.Build(
            target.Key, target.OriginUrl, HostOf(target), fetched, decision, EntryBuilder.StoredHeaders(fetched, decision.StrippedFields), body.Length);

        var writer = await BeginWriteAsync(metadata).ConfigureAwait(false);
        if (writer is null)
        {
            return false;
        }

        await using (writer.ConfigureAwait(false))
        {
            _hitForPass.Forget(target.Key);
            return await WriteAsync(writer, body, target.Key).ConfigureAwait(false) && await CommitAsync(writer, target.Key).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads the body into memory up to <see cref="CachingProxyOptions.MaxBufferedObjectSize"/> and puts it back as the
    /// response's content; returns it, or null when it is larger (the content then streams on: what was read, then the
    /// rest) or broke off (the content then fails where the origin's did).
    /// </summary>
    private async Task<byte[]?> BufferBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var original = response.Content;
        var stream = await original.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffered = new MemoryStream();
        var chunk = new byte[16 * 1024];
        Exception? failure = null;
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                buffered.Write(chunk, 0, read);
                if (buffered.Length > _options.MaxBufferedObjectSize)
                {
                    break;
                }
            }

            if (read == 0)
            {
                var body = buffered.ToArray();
                Replace(response, original, new ByteArrayContent(body));
                original.Dispose();
                return body;
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            failure = ex;
        }

        Replace(response, original, new StreamContent(new PrefixedStream(buffered.ToArray(), failure is null ? stream : null, failure, original)));
        return null;
    }

    private static void Replace(HttpResponseMessage response, HttpContent original, HttpContent replacement)
    {
        foreach (var (name, values) in original.Headers.NonValidated)
        {
            replacement.Headers.TryAddWithoutValidation(name, values);
        }

        response.Content = replacement;
    }

    /// <summary>
    /// True when Content-Location names exactly the request's target: the same canonical path and query, and, if it is
    /// absolute, the origin's own authority or the public one the client used. Never another host.
    /// </summary>
    private bool ContentLocationIsTarget(HttpContext context, ProxyTarget target, string? contentLocation)
    {
        if (string.IsNullOrWhiteSpace(contentLocation))
        {
            return false;
        }

        var reference = contentLocation.Trim();
        var targetPathAndQuery = target.OriginUrl[_originPrefix.Length..];
        var originUri = new Uri(target.OriginUrl, UriKind.Absolute);
        if (Uri.TryCreate(originUri, reference, out var resolved) && Invalidation.SameOrigin(originUri, resolved)
            && string.Equals(CanonicalPathAndQuery(resolved, _originPath), targetPathAndQuery, StringComparison.Ordinal))
        {
            return true;
        }

        var request = context.Request;
        return Uri.TryCreate($"{request.Scheme}://{request.Host.Value}{request.PathBase}/", UriKind.Absolute, out var publicBase)
            && Uri.TryCreate(publicBase, reference, out var publicUri) && Invalidation.SameOrigin(publicBase, publicUri)
            && string.Equals(CanonicalPathAndQuery(publicUri, request.PathBase.Value ?? string.Empty), targetPathAndQuery, StringComparison.Ordinal);
    }

    /// <summary>The canonical path and query of a URI below a base path, or null when it is not below it.</summary>
    private static string? CanonicalPathAndQuery(Uri uri, string basePath)
    {
        var pathAndQuery = uri.GetComponents(UriComponents.PathAndQuery, UriFormat.UriEscaped);
        if (basePath.Length > 0)
        {
            if (!pathAndQuery.StartsWith(basePath, StringComparison.Ordinal))
            {
                return null;
            }

            pathAndQuery = pathAndQuery[basePath.Length..];
        }

        return CanonicalTarget.Parse(pathAndQuery) is { } canonical ? string.Concat(canonical.Path, canonical.Query) : null;
    }
}
