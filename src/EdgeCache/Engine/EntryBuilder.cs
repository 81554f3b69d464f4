using EdgeCache.Semantics;
using EdgeCache.Storage;

namespace EdgeCache.Entries;

/// <summary>
/// The one maker of <see cref="EntryMetadata"/>: every entry the Cache API and the proxy store is built here,
/// from a <see cref="FetchedResponse"/> and the <see cref="EntryDecision"/> of the profile's
/// <see cref="ICacheEntryPolicy"/>. Headers are stored in one format, one pair per field line, whichever door
/// stored them.
/// </summary>
public static class EntryBuilder
{
    /// <summary>
    /// The first field of a Vary marker entry (the URL's entry when its response varies): the generation its
    /// variants' keys carry. The engine's own field: never stored from a response.
    /// </summary>
    public const string VaryMarkerField = "EdgeCache-Vary-Generation";

    /// <summary>
    /// The header lines a stored response keeps: not <c>Age</c> (recomputed), <c>Content-Length</c> (from the
    /// body), this hop's cache status, the engine's marker field, or the fields the decision strips; with the
    /// <c>Date</c> replaced by the response time when the profile stamps it.
    /// </summary>
    /// <param name="response">The response being stored.</param>
    /// <param name="stripped">Fields stored without (<see cref="EntryDecision.StrippedFields"/>).</param>
    /// <param name="policy">The profile; <see langword="null"/> keeps the origin's <c>Date</c>.</param>
    /// <remarks>
    /// An array of exactly the lines kept: the memory tier holds it for the entry's life, so it is one object in the old
    /// generation per entry instead of a list and its (larger) array; values an earlier stored response had too share
    /// that response's string (<see cref="RecentHeaderValues"/>).
    /// </remarks>
    public static KeyValuePair<string, string>[] StoredHeaders(FetchedResponse response, IReadOnlyList<string> stripped, ICacheEntryPolicy? policy = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(stripped);
        if (policy is not { StampsDate: true })
        {
            return StorableLines(response.Lines, stripped);
        }

        var headers = StorableLines(response.Lines, stripped, dropDate: true, extra: 1);
        headers[^1] = new("Date", HttpDate.Format(response.ResponseTime));
        return headers;
    }

    /// <summary>Builds the entry for a response the policy decided to store.</summary>
    /// <param name="key">The store key.</param>
    /// <param name="url">The URL the entry is stored for (purge by prefix reads it).</param>
    /// <param name="host">The URL's host, lower case (purge by host reads it).</param>
    /// <param name="response">The response.</param>
    /// <param name="decision">The policy's decision (its lifetime is used).</param>
    /// <param name="headers">The stored header lines (from <see cref="StoredHeaders"/>, adjusted where the caller must).</param>
    /// <param name="bodyLength">The body length, or -1 while it is not known.</param>
    /// <param name="statusCode">The stored status, when it is not the response's (a part completed into a 200).</param>
    public static EntryMetadata Build(
        string key, string url, string host, FetchedResponse response, in EntryDecision decision,
        IReadOnlyList<KeyValuePair<string, string>> headers, long bodyLength, int? statusCode = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        return Make(key, url, host, statusCode ?? response.Status, response, decision, headers, bodyLength, response.Tags);
    }

    /// <summary>The stored entry as a 304 refreshed it (<see cref="FetchedResponse.Refreshing"/>): new fields and timing, the same body, key and tags.</summary>
    /// <param name="stored">The entry that was refreshed.</param>
    /// <param name="refreshed">The refreshed response.</param>
    /// <param name="decision">The policy's decision on it.</param>
    /// <param name="headers">The stored header lines.</param>
    public static EntryMetadata Refreshed(EntryMetadata stored, FetchedResponse refreshed, in EntryDecision decision, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(refreshed);
        return Make(stored.Key, stored.Url, stored.Host, stored.StatusCode, refreshed, decision, headers, stored.BodyLength, stored.Tags);
    }

    /// <summary>
    /// The URL's Vary marker: the field names its variants are keyed on and their generation. Never a response of
    /// its own (it is stored invalidated, which the Cache API's match skips); purges reach the variants directly.
    /// </summary>
    /// <param name="key">The URL's key.</param>
    /// <param name="url">The URL.</param>
    /// <param name="host">The URL's host, lower case.</param>
    /// <param name="generation">The generation the variants' keys carry.</param>
    /// <param name="varyNames">The canonical Vary names.</param>
    /// <param name="variant">The variant just stored (the marker lives at least as long).</param>
    public static EntryMetadata VaryMarker(string key, string url, string host, string generation, string varyNames, EntryMetadata variant)
    {
        ArgumentNullException.ThrowIfNull(variant);
        var floor = variant.ResponseTime + TimeSpan.FromDays(1);
        return new EntryMetadata
        {
            Key = key,
            Url = url,
            Host = host,
            StatusCode = 200,
            Headers = [new(VaryMarkerField, generation), new("Vary", varyNames), new("Cache-Control", "no-store")],
            RequestTime = variant.RequestTime,
            ResponseTime = variant.ResponseTime,
            ExpiresAt = variant.ExpiresAt > floor ? variant.ExpiresAt : floor,
            BodyLength = 0,
            Invalidated = true,
        };
    }

    /// <summary>True when <paramref name="metadata"/> is a Vary marker rather than a response.</summary>
    public static bool IsVaryMarker(EntryMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var headers = metadata.Headers;
        return headers.Count > 0 && string.Equals(headers[0].Key, VaryMarkerField, StringComparison.Ordinal);
    }

    private static EntryMetadata Make(
        string key, string url, string host, int statusCode, FetchedResponse response, in EntryDecision decision,
        IReadOnlyList<KeyValuePair<string, string>> headers, long bodyLength, IReadOnlyList<string> tags)
    {
        var lifetime = decision.Lifetime;
        return new EntryMetadata
        {
            Key = key,
            Url = url,
            Host = host,
            StatusCode = statusCode,
            Headers = headers,
            RequestTime = response.RequestTime,
            ResponseTime = response.ResponseTime,
            InitialAge = lifetime.InitialAge,
            FreshnessLifetime = lifetime.FreshnessLifetime,
            ExpiresAt = lifetime.ExpiresAt(response.ResponseTime),
            BodyLength = bodyLength,
            Tags = tags,
        };
    }

    internal static KeyValuePair<string, string>[] StorableLines(IReadOnlyList<KeyValuePair<string, string>> lines, IReadOnlyList<string> stripped, bool dropDate = false, int extra = 0)
    {
        // Two passes (count, then copy) so the array is exactly as long as what is kept, plus `extra` slots at the end.
        var kept = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            if (IsStorable(lines[i].Key, stripped, dropDate))
            {
                kept++;
            }
        }

        var headers = new KeyValuePair<string, string>[kept + extra];
        var n = 0;
        for (var i = 0; i < lines.Count && n < kept; i++)
        {
            var header = lines[i];
            if (IsStorable(header.Key, stripped, dropDate))
            {
                headers[n++] = new(header.Key, RecentHeaderValues.Share(header.Value));
            }
        }

        return headers;
    }

    private static bool IsStorable(string name, IReadOnlyList<string> stripped, bool dropDate)
        => !(name.Equals("Age", StringComparison.OrdinalIgnoreCase)
            || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
            || name.Equals(EdgeCacheStatusNames.Header, StringComparison.OrdinalIgnoreCase)
            || name.Equals(VaryMarkerField, StringComparison.OrdinalIgnoreCase)
            || (dropDate && name.Equals("Date", StringComparison.OrdinalIgnoreCase))
            || EntryDecision.Contains(stripped, name));
}
