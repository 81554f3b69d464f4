using System.Net;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>RFC 9110 sections 13 (conditional requests) and 14 (range requests) answered from the cache.</summary>
public sealed class ConditionalAndRangeTests
{
    private const string Digits = "0123456789abcdefghij";
    private const int StoredResponseWriterChunk = EdgeCache.AspNetCore.Proxy.StoredResponseWriter.WriteChunkSize;

    private static async Task<ProxyHarness> StartWithDocumentAsync()
    {
        var h = await ProxyHarness.StartAsync();
        var lastModified = h.HttpDateAt(TimeSpan.FromDays(-1));
        h.Origin.Route("/doc", async (ctx, _) =>
        {
            ctx.Response.Headers.CacheControl = "max-age=600";
            ctx.Response.Headers.ETag = "\"d1\"";
            ctx.Response.Headers.LastModified = lastModified;
            ctx.Response.ContentType = "text/plain";
            await ctx.Response.WriteAsync(Digits);
        });
        await h.GetAsync("/doc");
        return h;
    }

    [Fact]
    public async Task A_stored_body_written_in_pieces_arrives_whole_and_ranges_across_pieces_are_exact()
    {
        await using var h = await ProxyHarness.StartAsync();
        var payload = System.Security.Cryptography.RandomNumberGenerator.GetBytes((2 * StoredResponseWriterChunk) + 12_345);
        h.Origin.Route("/pieces", async (ctx, _) =>
        {
            ctx.Response.Headers.CacheControl = "max-age=60";
            ctx.Response.ContentLength = payload.Length;
            await ctx.Response.Body.WriteAsync(payload);
        });

        await h.Client.GetByteArrayAsync("/pieces");
        using var whole = await h.GetAsync("/pieces");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/pieces");
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(StoredResponseWriterChunk - 100, (2 * StoredResponseWriterChunk) + 100);
        using var range = await h.Client.SendAsync(request);

        Assert.Contains("hit", whole.CacheStatus());
        Assert.Equal(payload, await whole.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.PartialContent, range.StatusCode);
        Assert.Equal(payload.AsSpan(StoredResponseWriterChunk - 100, StoredResponseWriterChunk + 201).ToArray(), await range.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Rfc9110_13_1_2_If_None_Match_is_answered_304_from_the_cache()
    {
        await using var h = await StartWithDocumentAsync();

        var response = await h.GetAsync("/doc", ("If-None-Match", "\"x\", W/\"d1\""));

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Equal("\"d1\"", response.Header("ETag"));
        Assert.NotNull(response.Header("Age"));
        Assert.Equal(1, h.Origin.Hits("/doc"));
    }

    [Fact]
    public async Task Rfc9110_13_1_3_If_Modified_Since_is_answered_304_from_the_cache()
    {
        await using var h = await StartWithDocumentAsync();

        var notModified = await h.GetAsync("/doc", ("If-Modified-Since", h.HttpDateAt()));
        var modified = await h.GetAsync("/doc", ("If-Modified-Since", h.HttpDateAt(TimeSpan.FromDays(-2))));

        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(HttpStatusCode.OK, modified.StatusCode);
        Assert.Equal(1, h.Origin.Hits("/doc"));
    }

    [Fact]
    public async Task Rfc9110_13_1_1_If_Match_that_does_not_match_is_412()
    {
        await using var h = await StartWithDocumentAsync();

        var failed = await h.GetAsync("/doc", ("If-Match", "\"other\""));
        var passed = await h.GetAsync("/doc", ("If-Match", "\"d1\""));

        Assert.Equal(HttpStatusCode.PreconditionFailed, failed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, passed.StatusCode);
    }

    [Fact]
    public async Task Rfc9110_13_1_4_If_Unmodified_Since_before_Last_Modified_is_412()
    {
        await using var h = await StartWithDocumentAsync();

        var failed = await h.GetAsync("/doc", ("If-Unmodified-Since", h.HttpDateAt(TimeSpan.FromDays(-3))));

        Assert.Equal(HttpStatusCode.PreconditionFailed, failed.StatusCode);
    }

    [Fact]
    public async Task Rfc9110_13_Client_preconditions_on_a_miss_are_answered_from_the_fetched_response()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/cold", "cold", ("Cache-Control", "max-age=60"), ("ETag", "\"c\""));

        var response = await h.GetAsync("/cold", ("If-None-Match", "\"c\""));
        var (full, body) = await h.GetTextAsync("/cold");

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.False(h.Origin.Requests.First().Headers.ContainsKey("If-None-Match"));
        Assert.Equal("cold", body);
        Assert.Contains("hit", full.CacheStatus());
    }

    [Fact]
    public async Task Rfc9110_14_2_Range_is_served_from_the_cached_full_response()
    {
        await using var h = await StartWithDocumentAsync();

        var (response, body) = await h.GetTextAsync("/doc", ("Range", "bytes=2-5"));

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal("2345", body);
        Assert.Equal("bytes 2-5/20", response.Header("Content-Range"));
        Assert.Equal(1, h.Origin.Hits("/doc"));
    }

    [Fact]
    public async Task Rfc9110_14_2_Suffix_range_is_served_from_the_end()
    {
        await using var h = await StartWithDocumentAsync();

        var (response, body) = await h.GetTextAsync("/doc", ("Range", "bytes=-3"));

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal("hij", body);
    }

    [Fact]
    public async Task Rfc9110_14_6_Several_ranges_are_sent_as_multipart_byteranges()
    {
        await using var h = await StartWithDocumentAsync();

        var (response, body) = await h.GetTextAsync("/doc", ("Range", "bytes=0-1,10-11"));

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.StartsWith("multipart/byteranges; boundary=", response.Content.Headers.ContentType?.ToString());
        Assert.Contains("Content-Range: bytes 0-1/20\r\n\r\n01\r\n", body);
        Assert.Contains("Content-Range: bytes 10-11/20\r\n\r\nab\r\n", body);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Rfc9110_15_5_17_Unsatisfiable_range_is_416_with_the_length()
    {
        await using var h = await StartWithDocumentAsync();

        var response = await h.GetAsync("/doc", ("Range", "bytes=100-200"));

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal("bytes */20", response.Header("Content-Range"));
    }

    [Fact]
    public async Task Rfc9110_13_1_5_If_Range_that_does_not_match_gets_the_full_response()
    {
        await using var h = await StartWithDocumentAsync();

        var (whole, body) = await h.GetTextAsync("/doc", ("Range", "bytes=0-1"), ("If-Range", "\"other\""));
        var (part, partBody) = await h.GetTextAsync("/doc", ("Range", "bytes=0-1"), ("If-Range", "\"d1\""));

        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(Digits, body);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal("01", partBody);
    }

    [Fact]
    public async Task Rfc9110_14_A_range_request_that_misses_fetches_the_full_object_and_answers_the_range()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Fixed("/big", Digits, ("Cache-Control", "max-age=60"));

        var (partial, body) = await h.GetTextAsync("/big", ("Range", "bytes=5-9"));
        var (full, fullBody) = await h.GetTextAsync("/big");

        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal("56789", body);
        Assert.False(h.Origin.Requests.First().Headers.ContainsKey("Range"));
        Assert.Equal(Digits, fullBody);
        Assert.Contains("hit", full.CacheStatus());
        Assert.Equal(1, h.Origin.Hits("/big"));
    }

    [Fact]
    public async Task Rfc9110_14_A_range_request_for_an_uncacheable_object_is_answered_by_the_origin()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Origin.Route("/live", async (ctx, _) =>
        {
            ctx.Response.Headers.CacheControl = "no-store";
            if (ctx.Request.Headers.Range == "bytes=0-3")
            {
                ctx.Response.StatusCode = 206;
                ctx.Response.Headers.ContentRange = "bytes 0-3/20";
                await ctx.Response.WriteAsync("0123");
                return;
            }

            await ctx.Response.WriteAsync(Digits);
        });

        var (first, body1) = await h.GetTextAsync("/live", ("Range", "bytes=0-3"));
        var (second, body2) = await h.GetTextAsync("/live", ("Range", "bytes=0-3"));

        Assert.Equal(HttpStatusCode.PartialContent, first.StatusCode);
        Assert.Equal("0123", body1);
        Assert.Equal(HttpStatusCode.PartialContent, second.StatusCode);
        Assert.Equal("0123", body2);
    }

    [Fact]
    public async Task Rfc9110_9_3_2_HEAD_is_answered_from_the_cached_GET()
    {
        await using var h = await StartWithDocumentAsync();

        var head = await h.SendAsync(HttpMethod.Head, "/doc");

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(20, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Contains("hit", head.CacheStatus());
        Assert.Equal(1, h.Origin.Hits("/doc"));
    }
}
