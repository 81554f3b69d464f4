namespace EdgeCache.Storage;

/// <summary>
/// What a store keeps beside a body: the stored response's status and headers, the timing
/// facts that freshness is computed from, and the fields purges select on.
/// A store treats all of it as opaque except <see cref="Key"/>, <see cref="ExpiresAt"/>,
/// <see cref="Tags"/>, <see cref="Host"/>, <see cref="Url"/> and <see cref="BodyLength"/>.
/// Times are stored as instants and read back in UTC (offset zero).
/// </summary>
public sealed record EntryMetadata
{
    // Instants are kept as UTC ticks (8 bytes, not a 16-byte DateTimeOffset): the memory tier holds one
    // record per entry, and the offset carries nothing a cache needs. They read back in UTC.
    private long _requestTimeTicks;
    private long _responseTimeTicks;
    private long _expiresAtTicks;

    /// <summary><see cref="ExpiresAt"/> as UTC ticks, for a hit path that compares without building a <see cref="DateTimeOffset"/>.</summary>
    internal long ExpiresAtUtcTicks => _expiresAtTicks;

    /// <summary>The full cache key. Stores hash it for addressing and compare it whole on lookup.</summary>
    public required string Key { get; init; }

    /// <summary>The URL the entry was stored for, used by purge by prefix.</summary>
    public required string Url { get; init; }

    /// <summary>The host of <see cref="Url"/> (lower case), used by purge by host.</summary>
    public required string Host { get; init; }

    /// <summary>The response status code.</summary>
    public required int StatusCode { get; init; }

    /// <summary>
    /// The response and content headers as stored, in order: one pair per field line, so a field with several
    /// values appears several times (both the proxy and the Cache API store this way). Entries written before
    /// the Cache API did so hold a field's values joined in one pair; readers append pairs as lines, which a
    /// recipient combines the same way (RFC 9110 section 5.3), so both read alike.
    /// </summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; }

    /// <summary>When the request that produced the response was sent (RFC 9111 section 4.2.3, request_time).</summary>
    public required DateTimeOffset RequestTime { get => new(_requestTimeTicks, TimeSpan.Zero); init => _requestTimeTicks = value.UtcTicks; }

    /// <summary>When the response was received and stored (RFC 9111 section 4.2.3, response_time).</summary>
    public required DateTimeOffset ResponseTime { get => new(_responseTimeTicks, TimeSpan.Zero); init => _responseTimeTicks = value.UtcTicks; }

    /// <summary>The corrected initial age at <see cref="ResponseTime"/> (RFC 9111 section 4.2.3).</summary>
    public TimeSpan InitialAge { get; init; }

    /// <summary>How long the response is fresh, counted from an age of zero.</summary>
    public TimeSpan FreshnessLifetime { get; init; }

    /// <summary>When the store may drop the entry: the end of freshness plus any stale window.</summary>
    public required DateTimeOffset ExpiresAt { get => new(_expiresAtTicks, TimeSpan.Zero); init => _expiresAtTicks = value.UtcTicks; }

    /// <summary>The body length in bytes, or -1 while a write is in progress and the length is not known yet.</summary>
    public long BodyLength { get; init; } = -1;

    /// <summary>Purge tags (values of <c>Cache-Tag</c>), without duplicates.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>
    /// Set by a soft purge: the entry must be treated as stale from now on, but may still serve
    /// under stale-while-revalidate or stale-if-error.
    /// </summary>
    public bool Invalidated { get; init; }

    /// <summary>Returns the first value of a header, compared case-insensitively, or <see langword="null"/>.</summary>
    public string? GetHeader(string name)
    {
        var headers = Headers;
        for (var i = 0; i < headers.Count; i++)
        {
            if (string.Equals(headers[i].Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return headers[i].Value;
            }
        }

        return null;
    }
}
