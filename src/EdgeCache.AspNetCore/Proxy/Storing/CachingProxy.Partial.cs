using EdgeCache.Http;

namespace EdgeCache.AspNetCore.Proxy;

/// <summary>
/// RFC 9111 sections 3.3 and 3.4: a 206 with a known complete length is stored as a part of the representation
/// (one per URL, under its own key so entries already stored read as before); later ranges inside it are served
/// from it; a new 206 with the same strong validator is combined with it; a part that grows to the complete
/// length becomes an ordinary stored response.
/// </summary>
internal sealed partial class CachingProxy
{
    private const string PartSuffix = "\u001fpart";

    private static string PartKey(string key) => key + PartSuffix;

    /// <summary>Answers a single-range GET from a fresh stored part that holds the whole range; false when it cannot.</summary>
    private async Task<bool> TryServeFromPartAsync(HttpContext context, ProxyTarget target, CacheControlDirectives requestCc)
    {
        var headers = context.Request.Headers;
        if (headers.IfMatch.Count > 0 || headers.IfNoneMatch.Count > 0 || headers.IfModifiedSince.Count > 0 || headers.IfUnmodifiedSince.Count > 0)
        {
            return false; // the origin answers preconditions on what the cache holds only in part
        }

        var part = await GetAsync(PartKey(target.Key), context.RequestAborted).ConfigureAwait(false);
        if (part is null)
        {
            return false;
        }

        var metadata = part.Metadata;
        var age = EntryAge.Current(metadata, _time.GetUtcNow());
        var stored = ResponseFacts.From(StatusCodes.Status200OK, metadata.Headers).Directives;
        if (Reuse.Decide(metadata.FreshnessLifetime, age, metadata.Invalidated, stored, requestCc) != ReuseDecision.Fresh
            || !ContentRange.TryParse(metadata.GetHeader("Content-Range"), out var held)
            || !Preconditions.IfRangeHolds(headers.IfRange.Count == 0 ? null : headers.IfRange.ToString(), metadata.GetHeader("ETag"),
                HttpDate.TryParse(metadata.GetHeader("Last-Modified"), out var lm) ? lm : null, HttpDate.TryParse(metadata.GetHeader("Date"), out var d) ? d : null)
            || RangeEvaluation.Evaluate(headers.Range.ToString(), held.CompleteLength, out var ranges) != RangeOutcome.Partial
            || ranges.Count != 1 || ranges[0].Offset < held.First || ranges[0].Last > held.Last)
        {
            return false;
        }

        var ttl = (long)Math.Floor((metadata.FreshnessLifetime - age).TotalSeconds);
        var status = new CacheStatus(EdgeCacheStatus.Hit, Hit: true, Ttl: ttl, Detail: "part");
        await StoredResponseWriter.WritePartAsync(
            context, metadata.Headers, part, ranges[0].Offset - held.First, ranges[0], held.CompleteLength,
            EntryAge.HeaderSeconds(age), Status(status), status.Outcome, _via, _passOn).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Stores the origin's 206 to a GET as a part, combined with the part already stored when both carry the same
    /// strong ETag (section 3.4), or as the complete response once the parts cover it. On success the body has been
    /// buffered and the response can still be sent on.
    /// </summary>
    private async Task<bool> TryStorePartAsync(HttpContext context, ProxyTarget target, HttpResponseMessage response, DateTimeOffset requestTime, DateTimeOffset responseTime)
    {
        if (target.Key.Length == 0 || !ContentRange.TryParse(HttpMessageHeaders.Joined(response.Headers, response.Content, "Content-Range"), out var range)
            || range.Length > _options.MaxBufferedObjectSize
            || response.Content.Headers.ContentLength is { } declared && declared != range.Length)
        {
            return false;
        }

        // The part is the 200's metadata with a Content-Range: its storability and freshness are the 200's.
        var (fetched, decision) = DecideForThisRequest(context, target, response, requestTime, responseTime, EntryPurpose.Part);
        if (!decision.Store)
        {
            return false;
        }

        var body = await BufferBodyAsync(response, context.RequestAborted).ConfigureAwait(false);
        if (body is null || body.Length != range.Length)
        {
            return false;
        }

        var headers = new List<KeyValuePair<string, string>>(EntryBuilder.StoredHeaders(fetched, decision.StrippedFields));
        var etag = fetched.ETag;
        var partKey = PartKey(target.Key);
        var existing = await GetAsync(partKey, CancellationToken.None).ConfigureAwait(false);
        if (existing is not null && etag is not null && !etag.StartsWith("W/", StringComparison.Ordinal)
            && EntityTag.StrongEquals(etag, existing.Metadata.GetHeader("ETag"))
            && ContentRange.TryParse(existing.Metadata.GetHeader("Content-Range"), out var held) && held.CompleteLength == range.CompleteLength
            && range.First <= held.Last + 1 && held.First <= range.Last + 1
            && Math.Max(held.Last, range.Last) - Math.Min(held.First, range.First) + 1 <= _options.MaxBufferedObjectSize
            && await ReadBodyAsync(existing) is { } heldBody)
        {
            // Section 3.4: the same strong validator, so the two are parts of one representation. The new bytes win.
            var first = Math.Min(held.First, range.First);
            var combined = new byte[Math.Max(held.Last, range.Last) - first + 1];
            heldBody.CopyTo(combined, held.First - first);
            body.CopyTo(combined, range.First - first);
            range = new ContentRange(first, first + combined.Length - 1, range.CompleteLength);
            body = combined;
        }

        var complete = range.First == 0 && range.Length == range.CompleteLength;
        headers.RemoveAll(h => h.Key.Equals("Content-Range", StringComparison.OrdinalIgnoreCase));
        if (!complete)
        {
            headers.Add(new("Content-Range", range.ToString()));
        }

        var metadata = EntryBuilder.Build(
            complete ? target.Key : partKey, target.OriginUrl, HostOf(target), fetched, decision, headers, body.Length,
            complete ? StatusCodes.Status200OK : StatusCodes.Status206PartialContent);

        var writer = await BeginWriteAsync(metadata).ConfigureAwait(false);
        if (writer is null)
        {
            return false;
        }

        bool stored;
        await using (writer.ConfigureAwait(false))
        {
            stored = await WriteAsync(writer, body, metadata.Key).ConfigureAwait(false) && await CommitAsync(writer, metadata.Key).ConfigureAwait(false);
        }

        if (stored && complete)
        {
            // Completed from its parts: an ordinary stored response now, and the parts are done with.
            _hitForPass.Forget(target.Key);
            await DeleteAsync(partKey).ConfigureAwait(false);
        }

        return stored;
    }

    private async Task<byte[]?> ReadBodyAsync(CacheEntry entry)
    {
        if (entry.TryGetMemory(out var memory))
        {
            return memory.ToArray();
        }

        try
        {
            var stream = entry.OpenBody();
            await using (stream.ConfigureAwait(false))
            {
                using var copy = new MemoryStream();
                await stream.CopyToAsync(copy, _stopping.Token).ConfigureAwait(false);
                return copy.ToArray();
            }
        }
        catch (IOException)
        {
            return null;
        }
    }
}
