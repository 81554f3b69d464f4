using EdgeCache.Http;
using EdgeCache.Semantics;
using EdgeCache.Semantics.Rfc9111;
using EdgeCache.Storage;

namespace EdgeCache.Entries;

/// <summary>
/// A response offered to the cache, read once: its end-to-end header lines as received (one pair per field
/// line, <c>Date</c> added when the origin sent none, RFC 9110 section 6.6.1), when it was asked for and
/// received, and what the rules need of the request that asked for it. Policies decide on it and
/// <see cref="EntryBuilder"/> builds the stored entry from it.
/// </summary>
public sealed class FetchedResponse
{
    private readonly List<KeyValuePair<string, string>> _lines;
    private readonly long? _age;
    private readonly bool _hasAge;
    private ResponseFacts? _facts;
    private string? _varyNames;

    private FetchedResponse(
        int status, List<KeyValuePair<string, string>> lines, DateTimeOffset requestTime, DateTimeOffset responseTime, HttpResponseMessage? message,
        EntryPurpose purpose = EntryPurpose.Fetch, bool requestNoStore = false, bool requestHasAuthorization = false)
    {
        (Status, _lines, RequestTime, ResponseTime, Message) = (status, lines, requestTime, responseTime, message);
        (Purpose, RequestNoStore, RequestHasAuthorization) = (purpose, requestNoStore, requestHasAuthorization);
    }

    private FetchedResponse(FetchedResponse notModified, int status, List<KeyValuePair<string, string>> lines)
        : this(status, lines, notModified.RequestTime, notModified.ResponseTime, null, EntryPurpose.Refresh, notModified.RequestNoStore, notModified.RequestHasAuthorization)
    {
        // The stored fields carry no Age: the 304's own is the one that counts (section 4.2.3).
        _age = notModified.Age;
        _hasAge = true;
    }

    /// <summary>The response status code.</summary>
    public int Status { get; }

    /// <summary>The end-to-end header lines as received, in order (hop-by-hop fields dropped, <c>Date</c> added when missing).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Lines => _lines;

    /// <summary>When the request that produced the response was sent (RFC 9111 section 4.2.3, request_time).</summary>
    public DateTimeOffset RequestTime { get; }

    /// <summary>When the response was received (RFC 9111 section 4.2.3, response_time).</summary>
    public DateTimeOffset ResponseTime { get; }

    /// <summary>Why the response is offered; <see cref="EntryPurpose.Fetch"/> unless said otherwise.</summary>
    public EntryPurpose Purpose { get; }

    /// <summary>The request carried <c>Cache-Control: no-store</c>.</summary>
    public bool RequestNoStore { get; }

    /// <summary>The request carried <c>Authorization</c> (RFC 9111 section 3.5).</summary>
    public bool RequestHasAuthorization { get; }

    /// <summary>The <c>Content-Length</c>, when present and valid.</summary>
    public long? ContentLength => Facts.ContentLength;

    /// <summary>The origin's <c>Age</c> in seconds, when present and valid.</summary>
    public long? Age => _hasAge ? _age : Facts.Age;

    /// <summary>The <c>ETag</c> as received.</summary>
    public string? ETag => Facts.ETag;

    /// <summary>True when the response carries <c>Vary</c>.</summary>
    public bool Varies => Facts.Vary is not null;

    /// <summary>The <c>Vary</c> field names, canonical (lower case, sorted, distinct, comma-joined); empty when it does not vary.</summary>
    public string VaryNames => _varyNames ??= VaryKey.CanonicalNames(Facts.Vary);

    /// <summary>The purge tags (<c>Cache-Tag</c>) the response carries, without duplicates.</summary>
    public IReadOnlyList<string> Tags => Message is { } message
        ? CacheTags.Parse(HttpMessageHeaders.Values(message.Headers, message.Content, CacheTags.Header))
        : CacheTags.Parse(ValuesOf(CacheTags.Header));

    /// <summary>The response's caching facts; a part is read as the complete response it is a piece of.</summary>
    internal ResponseFacts Facts => _facts ??= ResponseFacts.From(Purpose == EntryPurpose.Part ? 200 : Status, _lines);

    /// <summary>The message it was read from, for the Workers profile (whose rules read the message's fields as .NET joins them).</summary>
    internal HttpResponseMessage? Message { get; }

    /// <summary>The key request of a Cache API put, for the Workers profile.</summary>
    internal HttpRequestMessage? Request { get; init; }

    /// <summary>Reads a response that has just arrived.</summary>
    /// <param name="response">The origin's response (its headers are read, its body is not touched).</param>
    /// <param name="requestTime">When its request was sent.</param>
    /// <param name="responseTime">When it arrived.</param>
    /// <param name="requestNoStore">The request carried <c>Cache-Control: no-store</c>.</param>
    /// <param name="requestHasAuthorization">The request carried <c>Authorization</c>.</param>
    /// <param name="purpose">Why the response is offered.</param>
    public static FetchedResponse From(
        HttpResponseMessage response, DateTimeOffset requestTime, DateTimeOffset responseTime,
        bool requestNoStore = false, bool requestHasAuthorization = false, EntryPurpose purpose = EntryPurpose.Fetch)
    {
        ArgumentNullException.ThrowIfNull(response);
        return new((int)response.StatusCode, ReceivedLines(response, responseTime), requestTime, responseTime, response, purpose, requestNoStore, requestHasAuthorization);
    }

    /// <summary>Reads a response given to the Cache API's put, with its key request (the Workers profile reads both).</summary>
    internal static FetchedResponse ForPut(HttpRequestMessage key, HttpResponseMessage response, DateTimeOffset requestTime, DateTimeOffset responseTime)
        => new((int)response.StatusCode, ReceivedLines(response, responseTime), requestTime, responseTime, response) { Request = key };

    /// <summary>
    /// True when the origin's own directives for this cache (targeted field, else <c>Cache-Control</c>) say
    /// <c>no-store</c> or unqualified <c>private</c>: what a cache rule rewriting the response must not override.
    /// </summary>
    public static bool IsMarkedPrivate(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var directives = ResponseFacts.From((int)response.StatusCode, ReceivedLines(response, DateTimeOffset.UnixEpoch)).Directives;
        return directives.NoStore || (directives.Private && directives.PrivateFields.Count == 0);
    }

    /// <summary>
    /// RFC 9111 sections 3.2 and 4.3.4: the stored response as this 304 (or matching HEAD) updates it: its fields
    /// replace the stored fields of the same name, except the ones named in <paramref name="notMerged"/>. The
    /// result is offered with <see cref="EntryPurpose.Refresh"/>.
    /// </summary>
    /// <param name="stored">The stored response being refreshed.</param>
    /// <param name="notMerged">Fields of the 304 never merged into the stored response (its requester's <c>Set-Cookie</c>).</param>
    public FetchedResponse Refreshing(EntryMetadata stored, IReadOnlyList<string> notMerged)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(notMerged);
        var merged = HeaderUpdate.Merge(stored.Headers, EntryBuilder.StorableLines(_lines, notMerged), []);
        return new FetchedResponse(this, stored.StatusCode, merged);
    }

    /// <summary>The header lines named <paramref name="name"/>, in order.</summary>
    public List<KeyValuePair<string, string>> LinesNamed(string name) => _lines.FindAll(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>True when a line named <paramref name="name"/> is present.</summary>
    public bool Has(string name)
    {
        foreach (var line in _lines)
        {
            if (line.Key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private IEnumerable<string>? ValuesOf(string name)
    {
        List<string>? values = null;
        foreach (var (key, value) in _lines)
        {
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                (values ??= []).Add(value);
            }
        }

        return values;
    }

    private static List<KeyValuePair<string, string>> ReceivedLines(HttpResponseMessage response, DateTimeOffset responseTime)
    {
        var skip = HopByHopHeaders.For(HttpMessageHeaders.Values(response.Headers, null, "Connection"));
        var fields = response.Headers.NonValidated;
        var contentFields = response.Content?.Headers.NonValidated;

        // Sized once (a field line more for a Date that may be missing) instead of grown from 4 to 16, and the two
        // collections walked with their own enumerators: no iterator, no boxed enumerator per response.
        var headers = new List<KeyValuePair<string, string>>(fields.Count + (contentFields?.Count ?? 0) + 1);
        var hasDate = AddLines(headers, fields, skip);
        if (contentFields is { } content)
        {
            hasDate |= AddLines(headers, content, skip);
        }

        if (!hasDate)
        {
            headers.Add(new("Date", HttpDate.Format(responseTime)));
        }

        return headers;
    }

    // Appends one line per value of every field not in skip; true when one of them is Date.
    private static bool AddLines(List<KeyValuePair<string, string>> headers, System.Net.Http.Headers.HttpHeadersNonValidated fields, IReadOnlySet<string> skip)
    {
        var hasDate = false;
        foreach (var (name, values) in fields)
        {
            if (skip.Contains(name))
            {
                continue;
            }

            hasDate |= name.Equals("Date", StringComparison.OrdinalIgnoreCase);
            foreach (var value in values)
            {
                headers.Add(new(name, value));
            }
        }

        return hasDate;
    }
}
