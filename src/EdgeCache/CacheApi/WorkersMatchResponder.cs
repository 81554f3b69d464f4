using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using EdgeCache.Http;
using EdgeCache.Semantics;
using EdgeCache.Storage;

namespace EdgeCache.CacheApi;

/// <summary>
/// Turns a fresh stored entry into the response <c>cache.match</c> resolves to, evaluating the key
/// request's conditionals and range the way Cloudflare does (spec items 33-36, 60, 61).
/// </summary>
internal static class WorkersMatchResponder
{
    public const string CacheStatusHeader = EdgeCacheStatusNames.Header;

    public static HttpResponseMessage Build(CacheEntry entry, HttpRequestMessage request, DateTimeOffset now)
    {
        var metadata = entry.Metadata;
        var age = AgeSeconds(metadata, now);

        if (IsNotModified(request, metadata))
        {
            var notModified = new HttpResponseMessage(HttpStatusCode.NotModified) { Content = new ByteArrayContent([]) };
            CopyStoredHeaders(metadata, notModified);
            notModified.Content.Headers.ContentLength = null;
            notModified.Headers.TryAddWithoutValidation("Age", age);
            notModified.Headers.TryAddWithoutValidation(CacheStatusHeader, EdgeCacheStatusNames.Hit);
            return notModified;
        }

        var length = metadata.BodyLength;
        var status = metadata.StatusCode;
        var rangeHeader = request.Headers.NonValidated.TryGetValues("Range", out var rangeValues) ? rangeValues.ToString() : null;
        if (rangeHeader is not null && status == 200)
        {
            switch (RangeEvaluation.Evaluate(rangeHeader, length, out var ranges))
            {
                case RangeOutcome.Unsatisfiable:
                    var unsatisfiable = new HttpResponseMessage(HttpStatusCode.RequestedRangeNotSatisfiable) { Content = new ByteArrayContent([]) };
                    unsatisfiable.Content.Headers.TryAddWithoutValidation("Content-Range", $"bytes */{length}");
                    unsatisfiable.Headers.TryAddWithoutValidation(CacheStatusHeader, EdgeCacheStatusNames.Hit);
                    return unsatisfiable;
                case RangeOutcome.Partial:
                    return BuildPartial(entry, ranges, age);
            }
        }

        var response = new HttpResponseMessage((HttpStatusCode)status) { Content = BodyContent(entry, 0, length) };
        CopyStoredHeaders(metadata, response);
        if (status is 204 or 304)
        {
            response.Content.Headers.ContentLength = null;
        }
        else
        {
            response.Content.Headers.ContentLength = length;
        }

        response.Headers.TryAddWithoutValidation("Age", age);
        response.Headers.TryAddWithoutValidation(CacheStatusHeader, EdgeCacheStatusNames.Hit);
        return response;
    }

    private static HttpResponseMessage BuildPartial(CacheEntry entry, IReadOnlyList<ByteRange> ranges, string age)
    {
        var metadata = entry.Metadata;
        var total = metadata.BodyLength;
        var response = new HttpResponseMessage(HttpStatusCode.PartialContent);
        if (ranges.Count == 1)
        {
            var range = ranges[0];
            response.Content = BodyContent(entry, range.Offset, range.Length);
            CopyStoredHeaders(metadata, response, partial: true);
            response.Content.Headers.ContentLength = range.Length;
            response.Content.Headers.TryAddWithoutValidation("Content-Range", range.ContentRange(total));
        }
        else
        {
            var multipart = new ByteRangesContent(entry, ranges, metadata.GetHeader("Content-Type"), Guid.NewGuid().ToString("N"));
            response.Content = multipart;
            CopyStoredHeaders(metadata, response, partial: true, skipContentType: true);
            response.Content.Headers.ContentLength = multipart.Headers.ContentLength;
        }

        response.Headers.TryAddWithoutValidation("Age", age);
        response.Headers.TryAddWithoutValidation(CacheStatusHeader, EdgeCacheStatusNames.Hit);
        return response;
    }

    /// <summary>
    /// If-None-Match first, then If-Modified-Since in the strict date form (spec item 60). Like any
    /// origin server (RFC 9110 section 13.2.1), only a stored 2xx answers a conditional with 304.
    /// </summary>
    internal static bool IsNotModified(HttpRequestMessage request, EntryMetadata metadata)
    {
        if (metadata.StatusCode is < 200 or > 299)
        {
            return false;
        }

        if (request.Headers.NonValidated.TryGetValues("If-None-Match", out var inm))
        {
            var hit = EntityTag.NoneMatchHits(inm.ToString(), metadata.GetHeader("ETag"), out var applicable);
            if (applicable)
            {
                return hit;
            }
        }

        if (request.Headers.NonValidated.TryGetValues("If-Modified-Since", out var ims)
            && HttpDate.TryParseStrict(ims.ToString(), out var since)
            && HttpDate.TryParseStrict(metadata.GetHeader("Last-Modified"), out var lastModified))
        {
            return lastModified <= since;
        }

        return false;
    }

    internal static string AgeSeconds(EntryMetadata metadata, DateTimeOffset now)
        => Entries.EntryAge.HeaderSeconds(Entries.EntryAge.Current(metadata, now)).ToString(CultureInfo.InvariantCulture);

    private static HttpContent BodyContent(CacheEntry entry, long offset, long length)
    {
        if (entry.TryGetMemory(out var memory))
        {
            return new ReadOnlyMemoryContent(memory.Slice((int)offset, (int)length));
        }

        if (length == 0)
        {
            return new ByteArrayContent([]);
        }

        // A memory-tier body in a native block: its stream holds a reference on the block until it is disposed, so an
        // eviction meanwhile cannot free the bytes under the reader (a lease in memory content could not say when
        // the last stream read from the content is done).
        if (entry is MemoryCacheEntry { NativeBody: not null } && offset == 0 && length == entry.Metadata.BodyLength)
        {
            return new StreamContent(entry.OpenBody());
        }

        return new StreamContent(new StreamSlice(entry.OpenBody(), offset, length));
    }

    /// <summary>
    /// Copies the stored fields. The store keeps one pair per line; Cloudflare's Cache API answers every
    /// field as one value joined with ", " (spec item 57), so this profile joins a field's lines here.
    /// </summary>
    private static void CopyStoredHeaders(EntryMetadata metadata, HttpResponseMessage response, bool partial = false, bool skipContentType = false)
    {
        response.Content ??= new ByteArrayContent([]);
        var headers = metadata.Headers;
        for (var i = 0; i < headers.Count; i++)
        {
            var name = headers[i].Key;
            if ((skipContentType && name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                || (partial && name.Equals("Content-Range", StringComparison.OrdinalIgnoreCase))
                || SeenBefore(headers, i))
            {
                continue;
            }

            var value = headers[i].Value;
            for (var j = i + 1; j < headers.Count; j++)
            {
                if (headers[j].Key.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    value = string.Concat(value, ", ", headers[j].Value);
                }
            }

            HttpMessageHeaders.Add(response, name, value);
        }
    }

    private static bool SeenBefore(IReadOnlyList<KeyValuePair<string, string>> headers, int index)
    {
        for (var i = 0; i < index; i++)
        {
            if (headers[i].Key.Equals(headers[index].Key, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
