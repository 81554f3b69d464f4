using System.Net;
using EdgeCache.Entries;
using EdgeCache.Storage;

namespace EdgeCache.Tests.Engine;

/// <summary>The one entry builder and the two profiles' policies (RFC 9111 shared cache, Workers Cache API).</summary>
public sealed class EntryBuilderTests
{
    private static readonly DateTimeOffset Sent = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Received = Sent.AddSeconds(2);
    private static readonly SharedCachePolicy Shared = new(TimeSpan.FromDays(1), TimeSpan.FromHours(1));

    private static HttpResponseMessage Response(HttpStatusCode status = HttpStatusCode.OK, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status) { Content = new ByteArrayContent([1, 2, 3]) };
        foreach (var (name, value) in headers)
        {
            if (!response.Headers.TryAddWithoutValidation(name, value))
            {
                response.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return response;
    }

    private static FetchedResponse Fetched(HttpResponseMessage response, EntryPurpose purpose = EntryPurpose.Fetch)
        => FetchedResponse.From(response, Sent, Received, purpose: purpose);

    [Fact]
    public void Both_profiles_store_one_pair_per_field_line()
    {
        using var response = Response(headers: [("Cache-Control", "max-age=60"), ("Link", "</a>; rel=preload"), ("Link", "</b>; rel=preload")]);
        var fetched = Fetched(response);
        using var key = new HttpRequestMessage(HttpMethod.Get, "https://example.com/x");
        var workers = new WorkersCachePolicy(new CacheOptions(), edgeTtl: null, rejectionsThrow: true);
        var put = FetchedResponse.ForPut(key, response, Sent, Received);

        var shared = EntryBuilder.StoredHeaders(fetched, Shared.Decide(fetched).StrippedFields, Shared);
        var cacheApi = EntryBuilder.StoredHeaders(put, workers.Decide(put).StrippedFields, workers);

        Assert.Equal(["</a>; rel=preload", "</b>; rel=preload"], shared.Where(h => h.Key == "Link").Select(h => h.Value));
        Assert.Equal(["</a>; rel=preload", "</b>; rel=preload"], cacheApi.Where(h => h.Key == "Link").Select(h => h.Value));
    }

    [Fact]
    public void The_Workers_profile_dates_the_stored_copy_and_the_shared_cache_keeps_the_origin_Date()
    {
        using var response = Response(headers: [("Cache-Control", "max-age=60"), ("Date", "Fri, 27 Nov 2026 11:00:00 GMT")]);
        using var key = new HttpRequestMessage(HttpMethod.Get, "https://example.com/x");
        var workers = new WorkersCachePolicy(new CacheOptions(), edgeTtl: null, rejectionsThrow: true);
        var put = FetchedResponse.ForPut(key, response, Sent, Received);
        var fetched = Fetched(response);

        var cacheApi = EntryBuilder.StoredHeaders(put, workers.Decide(put).StrippedFields, workers);
        var shared = EntryBuilder.StoredHeaders(fetched, [], Shared);

        Assert.Equal(["Fri, 27 Nov 2026 12:00:02 GMT"], cacheApi.Where(h => h.Key == "Date").Select(h => h.Value));
        Assert.Equal(["Fri, 27 Nov 2026 11:00:00 GMT"], shared.Where(h => h.Key == "Date").Select(h => h.Value));
    }

    [Fact]
    public void Stored_lines_share_the_string_of_a_value_an_earlier_stored_response_had()
    {
        var etag = "\"" + Guid.NewGuid().ToString("N") + "\"";

        // Other tests store lines at the same time and may take the value's slot between two stores: a few tries.
        var shared = false;
        for (var attempt = 0; attempt < 10 && !shared; attempt++)
        {
            using var first = Response(headers: [("Cache-Control", "max-age=60"), ("ETag", new string(etag.AsSpan()))]);
            using var second = Response(headers: [("Cache-Control", "max-age=60"), ("ETag", new string(etag.AsSpan()))]);
            var a = EntryBuilder.StoredHeaders(Fetched(first), []).Single(h => h.Key == "ETag").Value;
            var b = EntryBuilder.StoredHeaders(Fetched(second), []).Single(h => h.Key == "ETag").Value;
            Assert.Equal(etag, b);
            shared = ReferenceEquals(a, b);
        }

        Assert.True(shared);
    }

    [Fact]
    public void An_origin_cannot_store_a_forged_Vary_marker_or_its_own_Age_and_length()
    {
        using var response = Response(headers: [(EntryBuilder.VaryMarkerField, "forged"), ("Age", "5"), ("Content-Length", "3"), ("Cache-Control", "max-age=60")]);
        var fetched = Fetched(response);

        var headers = EntryBuilder.StoredHeaders(fetched, []);
        var entry = EntryBuilder.Build("k", "https://example.com/x", "example.com", fetched, Shared.Decide(fetched), headers, 3);

        Assert.False(EntryBuilder.IsVaryMarker(entry));
        Assert.DoesNotContain(headers, h => h.Key is "Age" or "Content-Length" || h.Key == EntryBuilder.VaryMarkerField);
    }

    [Fact]
    public void A_shared_cache_entry_counts_the_origin_Age_and_is_kept_for_its_retention_after_freshness()
    {
        using var response = Response(headers: [("Cache-Control", "max-age=60"), ("Age", "10"), ("Date", "Fri, 27 Nov 2026 12:00:00 GMT")]);
        var fetched = Fetched(response);

        var decision = Shared.Decide(fetched);
        var entry = EntryBuilder.Build("k", "https://example.com/x", "example.com", fetched, decision, EntryBuilder.StoredHeaders(fetched, []), 3);

        Assert.True(decision.Store);
        Assert.Equal(TimeSpan.FromSeconds(12), entry.InitialAge); // Age 10 plus the 2 s the response took
        Assert.Equal(TimeSpan.FromSeconds(60), entry.FreshnessLifetime);
        Assert.Equal(Received + TimeSpan.FromSeconds(48) + TimeSpan.FromHours(1), entry.ExpiresAt);
    }

    [Fact]
    public void A_stale_on_arrival_entry_is_never_dropped_before_it_arrived()
        => Assert.Equal(Received + TimeSpan.FromMinutes(5), new EntryLifetime(TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(5)).ExpiresAt(Received));

    [Fact]
    public void A_heuristically_fresh_answer_is_stored_from_a_GET_but_not_from_a_POST()
    {
        using var response = Response(headers: [("Last-Modified", "Thu, 26 Nov 2026 10:00:00 GMT"), ("Date", "Fri, 27 Nov 2026 12:00:00 GMT")]);

        Assert.True(Shared.Decide(Fetched(response)).Store);
        Assert.False(Shared.Decide(Fetched(response, EntryPurpose.PostResponse)).Store);
    }

    [Fact]
    public void A_part_that_varies_is_not_stored_though_the_whole_response_would_be()
    {
        using var response = Response(HttpStatusCode.PartialContent, [("Cache-Control", "max-age=60"), ("Vary", "Accept-Encoding"), ("Content-Range", "bytes 0-2/10")]);

        Assert.False(Shared.Decide(Fetched(response, EntryPurpose.Part)).Store);
        Assert.True(Shared.Decide(Fetched(Response(headers: [("Cache-Control", "max-age=60"), ("Vary", "Accept-Encoding")]))).Store);
    }

    [Fact]
    public void A_304_refreshes_the_stored_fields_with_its_own_Age_and_never_merges_its_requesters_cookie()
    {
        var stored = new EntryMetadata
        {
            Key = "k", Url = "https://example.com/x", Host = "example.com", StatusCode = 200,
            Headers = [new("Cache-Control", "max-age=10"), new("ETag", "\"v1\""), new("Date", "Fri, 27 Nov 2026 11:00:00 GMT")],
            RequestTime = Sent.AddHours(-1), ResponseTime = Sent.AddHours(-1), ExpiresAt = Sent, Tags = ["t"],
        };
        using var notModified = Response(HttpStatusCode.NotModified, [("Cache-Control", "max-age=120"), ("Age", "30"), ("Set-Cookie", "session=b"), ("Date", "Fri, 27 Nov 2026 12:00:01 GMT")]);

        var refreshed = Fetched(notModified).Refreshing(stored, ["Set-Cookie"]);
        var decision = Shared.Decide(refreshed);
        var entry = EntryBuilder.Refreshed(stored, refreshed, decision, refreshed.Lines);

        Assert.Equal(EntryPurpose.Refresh, refreshed.Purpose);
        Assert.Equal(TimeSpan.FromSeconds(120), entry.FreshnessLifetime);
        Assert.Equal(TimeSpan.FromSeconds(32), entry.InitialAge); // the 304's Age 30 plus 2 s in flight
        Assert.DoesNotContain(entry.Headers, h => h.Key == "Set-Cookie");
        Assert.Contains(entry.Headers, h => h.Key == "ETag" && h.Value == "\"v1\"");
        Assert.Equal(["t"], entry.Tags);
        Assert.Equal("k", entry.Key);
    }

    [Fact]
    public void A_caller_rule_refusing_a_stored_response_keeps_its_lifetime_and_marks_it_response_driven()
    {
        using var response = Response(headers: [("Cache-Control", "max-age=60")]);
        var decision = Shared.Decide(Fetched(response));

        var refused = decision.Refusing("SetCookie");

        Assert.False(refused.Store);
        Assert.True(refused.ResponseDriven);
        Assert.Equal(decision.Lifetime, refused.Lifetime);
        Assert.Equal(["Set-Cookie"], decision.Stripping("Set-Cookie").Stripping("set-cookie").StrippedFields);
    }
}
