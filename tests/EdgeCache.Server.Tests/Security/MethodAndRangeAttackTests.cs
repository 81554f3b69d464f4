using System.Globalization;
using System.Text;
using EdgeCache.Testing;
using static EdgeCache.Server.Tests.Security.AttackHarness;

namespace EdgeCache.Server.Tests.Security;

/// <summary>
/// Method tricks (a HEAD before the GET, unknown or odd-case methods, asterisk and authority targets) and
/// Range abuse (hundreds of overlapping ranges, huge or inverted numbers, weak If-Range): what is stored under
/// the GET key is always the origin's full GET answer, and a range answer is bounded, complete and exact.
/// </summary>
public sealed class MethodAndRangeAttackTests
{
    // 1000 bytes that differ from their neighbours, so a wrong offset shows.
    private static readonly byte[] Representation = [.. Enumerable.Range(0, 1000).Select(i => (byte)('A' + (i * 7 % 26)))];

    private static ReflectedResponse Fixed(string etag = "\"r1\"")
        => new(200, [("Cache-Control", "public, max-age=600"), ("Content-Type", "application/octet-stream"), ("ETag", etag)], Representation);

    [Fact]
    public async Task A_HEAD_miss_fills_the_GET_key_with_the_whole_GET_body_never_an_empty_one()
    {
        await using var h = await StartAsync();
        h.Origin.Handler = _ => Fixed();

        var head = await h.SendAsync("HEAD /head-first HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        var get = await h.GetAsync("/head-first");

        Assert.Equal(200, head.Status);
        Assert.Empty(head.Body);
        Assert.Equal("1000", head.Header("Content-Length"));
        Assert.Equal("HIT", get.Header("cf-cache-status"));
        Assert.Equal(Representation, get.Body);
        Assert.Equal("1000", get.Header("Content-Length"));
    }

    [Fact]
    public async Task A_HEAD_after_an_uncacheable_answer_still_stores_only_a_GETs_body()
    {
        // The key is in hit-for-pass; the HEAD goes on, the origin's answer has turned cacheable, and what is
        // stored must come from a GET: a HEAD's empty body stored for GET would serve blank pages to everyone.
        await using var h = await StartAsync();
        var n = 0;
        h.Origin.Handler = r => Interlocked.Increment(ref n) == 1
            ? ReflectedResponse.Reflect(r, 200, ("Cache-Control", "no-store"))
            : Fixed();

        await h.GetAsync("/pass-then-head");
        await h.SendAsync("HEAD /pass-then-head HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        var get = await h.GetAsync("/pass-then-head");

        Assert.Equal(Representation, get.Body);
        Assert.Equal("1000", get.Header("Content-Length"));
    }

    [Theory]
    [InlineData("BREW")]
    [InlineData("PURGE")]
    [InlineData("PROPFIND")]
    [InlineData("TRACE")]
    [InlineData("OPTIONS")]
    [InlineData("DELETE")]
    public async Task A_cacheable_answer_to_another_method_is_never_served_to_a_later_GET(string method)
    {
        await using var h = await StartAsync();

        // The reflecting origin answers any method with a public 200 that names the method.
        await h.SendAsync($"{method} /verb HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Note: {AttackerMarker}\r\nConnection: close\r\n\r\n");
        var get = await h.GetAsync("/verb");

        AssertClean(get);
        Assert.Contains("method=GET\n", get.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("get")]
    [InlineData("Get")]
    [InlineData("gEt")]
    public async Task An_odd_case_GET_is_never_stored_as_anything_the_origin_did_not_answer_to_a_GET(string method)
    {
        // Methods are case-sensitive (RFC 9110 section 9.1). EdgeCache reads "get" as GET, deliberately, and then
        // asks the origin with GET: the entry under the GET key is always the origin's answer to a GET.
        await using var h = await StartAsync();

        var odd = await h.SendAsync($"{method} /case HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        var get = await h.GetAsync("/case");

        Assert.True(odd.Status is 200 or 400 or 405 or 501, $"status {odd.Status}");
        Assert.All(h.Origin.Requests, r => Assert.Equal("GET", r.Method));
        Assert.Contains("method=GET\n", get.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("proxy", "OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n")]
    [InlineData("proxy", "GET * HTTP/1.1\r\nHost: 127.0.0.1\r\n")]
    [InlineData("proxy", "CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1:80\r\n")]
    [InlineData("proxy", "CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n")]
    [InlineData("proxy", "GET /account#x HTTP/1.1\r\nHost: 127.0.0.1\r\n")]
    [InlineData("example", "OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n")]
    [InlineData("example", "CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1:80\r\n")]
    [InlineData("example", "GET /account#x HTTP/1.1\r\nHost: 127.0.0.1\r\n")]
    [InlineData("example", "GET /static/x.css#/../../ HTTP/1.1\r\nHost: 127.0.0.1\r\n")]
    public async Task An_asterisk_authority_form_or_fragment_target_is_refused_before_the_origin(string handler, string head)
    {
        // Found here: the worker host (the example handler, MapWorker, JavaScript workers) mapped such a target
        // onto the origin's root, fetched "/" and let the example cache it under the root's key.
        await using var h = await StartAsync(("Handler", handler));

        var response = await h.SendAsync(head + "Connection: close\r\n\r\n");

        Assert.True(response.Status is 400 or 405, $"status {response.Status}");
        Assert.Empty(h.Origin.Requests);
    }

    public static TheoryData<string> AbusiveRanges()
    {
        var data = new TheoryData<string>
        {
            "bytes=" + string.Join(',', Enumerable.Repeat("0-", 1000)),
            "bytes=" + string.Join(',', Enumerable.Repeat("0-999", 50)),
            "bytes=" + string.Join(',', Enumerable.Range(0, 64).Select(i => $"{i * 15}-{i * 15}")),
            "bytes=" + string.Join(',', Enumerable.Range(0, 65).Select(i => $"{i * 15}-{i * 15}")),
            "bytes=" + string.Join(',', Enumerable.Range(0, 500).Select(i => $"{i}-{i}")),
            "bytes=0-499,250-749,500-999",
            "bytes=0-0,-1",
            "bytes=0-99999999999999999999999",
            "bytes=99999999999999999999999-",
            "bytes=-99999999999999999999999",
            "bytes=5-1",
            "bytes=-0",
            "bytes=1000-",
            "bytes=--1",
            "bytes=0--1",
            "bytes=0-1,bytes=2-3",
            "BYTES=0-9",
            "items=0-9",
            "bytes=0-9,",
            "bytes= 0-9 , 20-29",
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(AbusiveRanges))]
    public async Task An_abusive_Range_gets_a_bounded_complete_and_exact_answer_from_the_store(string range)
    {
        await using var h = await StartAsync();
        h.Origin.Handler = _ => Fixed();
        await h.GetAsync("/ranged");

        var response = await h.GetAsync("/ranged", $"Range: {range}");

        Assert.Equal("HIT", response.Header("cf-cache-status"));
        AssertExactRangeAnswer(response);
    }

    [Theory]
    [MemberData(nameof(AbusiveRanges))]
    public async Task An_abusive_Range_on_a_miss_gets_a_bounded_complete_and_exact_answer_and_stores_the_whole_object(string range)
    {
        await using var h = await StartAsync();
        h.Origin.Handler = _ => Fixed();

        var response = await h.GetAsync("/ranged-miss", $"Range: {range}");
        var whole = await h.GetAsync("/ranged-miss");

        AssertExactRangeAnswer(response);
        Assert.Equal(200, whole.Status);
        Assert.Equal(Representation, whole.Body);
    }

    [Theory]
    [InlineData("W/\"r1\"", "W/\"r1\"")]
    [InlineData("\"r1\"", "W/\"r1\"")]
    [InlineData("W/\"r1\"", "\"r1\"")]
    [InlineData("\"r1\"", "\"r2\"")]
    [InlineData("\"r1\"", "Mon, 01 Jan 2024 00:00:00 GMT")]
    [InlineData("\"r1\"", "\"r1\", \"r2\"")]
    public async Task If_Range_that_is_weak_or_does_not_match_strongly_gets_the_whole_representation(string etag, string ifRange)
    {
        // RFC 9110 section 13.1.5: If-Range needs a strong match; a weak validator never matches, on either side.
        await using var h = await StartAsync();
        h.Origin.Handler = _ => Fixed(etag);
        await h.GetAsync("/if-range");

        var fromStore = await h.GetAsync("/if-range", "Range: bytes=10-19", $"If-Range: {ifRange}");
        var onMiss = await h.GetAsync("/if-range-miss", "Range: bytes=10-19", $"If-Range: {ifRange}");

        Assert.Equal(200, fromStore.Status);
        Assert.Equal(Representation, fromStore.Body);
        Assert.Equal(200, onMiss.Status);
        Assert.Equal(Representation, onMiss.Body);
    }

    [Fact]
    public async Task If_Range_with_the_stored_strong_validator_gets_exactly_the_range()
    {
        // The control for the test above: the same request with a strong match is partial.
        await using var h = await StartAsync();
        h.Origin.Handler = _ => Fixed();
        await h.GetAsync("/if-range-ok");

        var response = await h.GetAsync("/if-range-ok", "Range: bytes=10-19", "If-Range: \"r1\"");

        Assert.Equal(206, response.Status);
        Assert.Equal(Representation[10..20], response.Body);
    }

    /// <summary>
    /// A 200 is the whole representation, a 416 names its length, a 206 holds exactly the bytes its
    /// Content-Range (or each multipart part's) names; the body is as long as its Content-Length, and the
    /// whole answer stays within the representation plus the part heads of at most 64 ranges.
    /// </summary>
    private static void AssertExactRangeAnswer(RawResponse response)
    {
        Assert.True(response.Status is 200 or 206 or 416, $"status {response.Status}");
        Assert.Equal(long.Parse(response.Header("Content-Length") ?? "-1", CultureInfo.InvariantCulture), response.Body.Length);
        Assert.True(response.Body.Length <= Representation.Length + (64 * 256), $"{response.Body.Length} bytes for a {Representation.Length}-byte representation");
        switch (response.Status)
        {
            case 200:
                Assert.Equal(Representation, response.Body);
                break;
            case 416:
                Assert.Equal($"bytes */{Representation.Length}", response.Header("Content-Range"));
                break;
            default:
                var type = response.Header("Content-Type") ?? string.Empty;
                if (type.StartsWith("multipart/byteranges", StringComparison.Ordinal))
                {
                    Assert.Null(response.Header("Content-Range"));
                    var parts = Encoding.Latin1.GetString(response.Body).Split("Content-Range: ")[1..];
                    Assert.InRange(parts.Length, 2, 64);
                    foreach (var part in parts)
                    {
                        var (first, last) = ParseRange(part[..part.IndexOf("\r\n", StringComparison.Ordinal)]);
                        var bytes = part[(part.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
                        Assert.StartsWith(Encoding.Latin1.GetString(Representation[(int)first..(int)(last + 1)]) + "\r\n--", bytes, StringComparison.Ordinal);
                    }
                }
                else
                {
                    var (first, last) = ParseRange(response.Header("Content-Range") ?? string.Empty);
                    Assert.Equal(Representation[(int)first..(int)(last + 1)], response.Body);
                }

                break;
        }
    }

    // "bytes first-last/1000".
    private static (long First, long Last) ParseRange(string contentRange)
    {
        Assert.StartsWith("bytes ", contentRange, StringComparison.Ordinal);
        Assert.EndsWith($"/{Representation.Length}", contentRange, StringComparison.Ordinal);
        var span = contentRange["bytes ".Length..contentRange.IndexOf('/', StringComparison.Ordinal)].Split('-');
        var first = long.Parse(span[0], CultureInfo.InvariantCulture);
        var last = long.Parse(span[1], CultureInfo.InvariantCulture);
        Assert.InRange(first, 0, last);
        Assert.InRange(last, first, Representation.Length - 1);
        return (first, last);
    }
}
