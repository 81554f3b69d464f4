using System.Globalization;
using System.Net;
using EdgeCache.Semantics;
using EdgeCache.Tests.CacheApi;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static EdgeCache.Tests.CacheApi.CacheTestContext;

namespace EdgeCache.Tests.Workers;

/// <summary>
/// Property-based tests: whatever a client or an origin sends, the parsers and the Cache API never
/// throw, and they give the RFC's answer (ignore, stale, or 416) for what they cannot read.
/// </summary>
[Properties(Arbitrary = [typeof(HeaderArbitraries)], MaxTest = 300)]
public sealed class ParserPropertyTests
{
    private const string Url = "https://example.com/p";

    [Property]
    public void CacheControlParse_NeverThrows_AndLifetimesAreDeltaSeconds(CacheControlText text)
    {
        var cc = CacheControlDirectives.Parse(text.Value);

        Assert.True(cc.MaxAge is null or >= 0 and <= CacheControlDirectives.MaxDeltaSeconds);
        Assert.True(cc.SharedMaxAge is null or >= 0 and <= CacheControlDirectives.MaxDeltaSeconds);
        Assert.True(cc.Any || !(cc.NoStore || cc.NoCache || cc.Private || cc.Public || cc.MaxAge.HasValue || cc.SharedMaxAge.HasValue));
    }

    [Property]
    public void CacheControlParse_AWellFormedDirectiveAfterJunk_IsStillRead(CacheControlText junk)
    {
        var prefix = junk.Value.Replace("\"", string.Empty, StringComparison.Ordinal);
        Assert.True(CacheControlDirectives.Parse(prefix + ", no-store").NoStore);
        Assert.Equal(7, CacheControlDirectives.Parse(prefix + ", s-maxage=7").SharedMaxAge);
    }

    [Property]
    public void CacheControlParse_MaxAgeReadsAnyDeltaSeconds(NonNegativeInt seconds)
    {
        Assert.Equal(seconds.Get, CacheControlDirectives.Parse($"max-age={seconds.Get}").MaxAge);
        Assert.Equal(seconds.Get, CacheControlDirectives.Parse($"max-age=\"{seconds.Get}\"").MaxAge);
    }

    [Property]
    public void CacheControlParse_AnInvalidLifetimeReadsAsZero(CacheControlText value)
    {
        var v = value.Value.Replace(",", string.Empty, StringComparison.Ordinal).Replace("\"", string.Empty, StringComparison.Ordinal).Trim();
        var cc = CacheControlDirectives.Parse($"max-age={v}");
        Assert.Equal(CacheControlDirectives.TryDelta(v, out var parsed) ? parsed : 0, cc.MaxAge);
    }

    [Property]
    public void HttpDate_NeverThrows_AndStrictImpliesLenientWithTheSameInstant(DateText text)
    {
        var strict = HttpDate.TryParseStrict(text.Value, out var s);
        var lenient = HttpDate.TryParse(text.Value, out var l);
        if (strict)
        {
            Assert.True(lenient);
            Assert.Equal(s, l);
        }
    }

    [Property]
    public void HttpDate_FormatRoundTripsThroughTheStrictParser(DateTime value)
    {
        var instant = new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc));
        instant = instant.AddTicks(-(instant.Ticks % TimeSpan.TicksPerSecond));
        var text = HttpDate.Format(instant);

        Assert.Equal(29, text.Length);
        Assert.True(HttpDate.TryParseStrict(text, out var parsed));
        Assert.Equal(instant, parsed);
    }

    [Property]
    public void EntityTag_NoneMatch_NeverThrows_AndIsNeverAHitWhenNotApplicable(ETagText ifNoneMatch, ETagText stored)
    {
        var hit = EntityTag.NoneMatchHits(ifNoneMatch.Value, stored.Value, out var applicable);
        Assert.True(applicable || !hit);
        Assert.False(EntityTag.NoneMatchHits(ifNoneMatch.Value, null, out var none) || none);
    }

    [Property]
    public void EntityTag_StarAndTheWeakFormOfTheStoredTag_AlwaysMatch(NonEmptyString opaque, ETagText others)
    {
        var tag = opaque.Get.Replace("\"", string.Empty, StringComparison.Ordinal).Replace(",", string.Empty, StringComparison.Ordinal).Trim();
        if (tag.Length == 0)
        {
            return;
        }

        var stored = $"\"{tag}\"";
        Assert.True(EntityTag.NoneMatchHits("*", stored, out _));
        Assert.True(EntityTag.NoneMatchHits($"{others.Value.Replace("\"", string.Empty, StringComparison.Ordinal)}, W/\"{tag}\"", stored, out _));
        Assert.True(EntityTag.NoneMatchHits(stored, $"W/{stored}", out _));
    }

    // Found by the etag fuzz target: ',' is an etagc, and the list used to be split inside the quotes.
    [Theory]
    [InlineData("\"a,b\"", "\"a,b\"")]
    [InlineData("\"x\", W/\"a,b\"", "\"a,b\"")]
    [InlineData("\",\", \"a,b\",\"y\"", "W/\"a,b\"")]
    public void EntityTag_NoneMatch_ATagHoldingACommaMatchesWhereverItStandsInTheList(string ifNoneMatch, string stored)
    {
        Assert.True(EntityTag.NoneMatchHits(ifNoneMatch, stored, out var applicable));
        Assert.True(applicable);
        Assert.False(EntityTag.NoneMatchHits("\"a\", \"b\"", stored, out _));
    }

    [Property]
    public void RangeEvaluation_NeverThrows_AndEveryRangeLiesWithinTheBody(RangeText header, byte lengthSeed)
    {
        long length = lengthSeed % 3 == 0 ? 0 : lengthSeed;
        var outcome = RangeEvaluation.Evaluate(header.Value, length, out var ranges);

        if (outcome == RangeOutcome.Partial)
        {
            Assert.InRange(ranges.Count, 1, RangeEvaluation.MaxRanges);
            Assert.All(ranges, r =>
            {
                Assert.True(r.Offset >= 0 && r.Length >= 1 && r.Offset + r.Length <= length, $"{r} of {length}");
            });
            if (ranges.Count > 1)
            {
                Assert.True(ranges.Sum(r => r.Length) <= length);
            }
        }
        else
        {
            Assert.Empty(ranges);
        }
    }

    [Property]
    public void RangeEvaluation_AWellFormedRange_IsResolvedExactly(byte first, byte count, byte lengthSeed)
    {
        long length = lengthSeed + 1;
        long last = first + count;
        var outcome = RangeEvaluation.Evaluate($"bytes={first}-{last}", length, out var ranges);

        if (first >= length)
        {
            Assert.Equal(RangeOutcome.Unsatisfiable, outcome);
        }
        else
        {
            Assert.Equal(RangeOutcome.Partial, outcome);
            Assert.Equal(new ByteRange(first, Math.Min(last, length - 1) - first + 1), Assert.Single(ranges));
        }
    }

    [Property]
    public void PutPolicy_NeverThrowsForOriginHeaders_ExceptVaryStar(CacheControlText cacheControl, DateText expires, DateText date, CacheControlText age, ETagText vary)
    {
        var options = new CacheOptions();
        var now = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        using var response = Response("x", cacheControl.Value, 200, ("Expires", expires.Value), ("Date", date.Value), ("Age", age.Value), ("Vary", vary.Value));
        using var key = Get(Url);

        WorkersPutDecision decision;
        try
        {
            decision = WorkersPutPolicy.Evaluate(key, response, options, now);
        }
        catch (ArgumentException) when (response.Headers.NonValidated.TryGetValues("Vary", out var v) && v.ToString().Contains('*', StringComparison.Ordinal))
        {
            return;
        }

        if (decision.Store)
        {
            Assert.True(decision.FreshnessLifetime > decision.InitialAge);
            Assert.True(decision.InitialAge >= TimeSpan.Zero);
            Assert.True(decision.FreshnessLifetime <= TimeSpan.FromSeconds(CacheControlDirectives.MaxDeltaSeconds));
        }
    }

    [Property(MaxTest = 200)]
    public async Task Match_AnswersEveryRangeAndConditionalWithoutThrowing(RangeText range, ETagText ifNoneMatch, DateText ifModifiedSince, ETagText storedETag, DateText lastModified, byte lengthSeed)
    {
        var ctx = new CacheTestContext();
        var body = new string('b', lengthSeed);
        Assert.True(await ctx.Default.PutAsync(Get(Url), Response(body, "s-maxage=60", 200, ("ETag", storedETag.Value), ("Last-Modified", lastModified.Value))));

        using var hit = await ctx.Default.MatchAsync(Get(Url, ("Range", range.Value), ("If-None-Match", ifNoneMatch.Value), ("If-Modified-Since", ifModifiedSince.Value)));

        Assert.NotNull(hit);
        var bytes = await hit.Content.ReadAsByteArrayAsync();
        switch (hit.StatusCode)
        {
            case HttpStatusCode.OK:
                Assert.Equal(lengthSeed, bytes.Length);
                Assert.Equal(lengthSeed, hit.Content.Headers.ContentLength);
                break;
            case HttpStatusCode.NotModified:
                Assert.Empty(bytes);
                Assert.Null(hit.Content.Headers.ContentLength);
                break;
            case HttpStatusCode.RequestedRangeNotSatisfiable:
                Assert.Empty(bytes);
                Assert.Equal($"bytes */{lengthSeed}", hit.Content.Headers.NonValidated["Content-Range"].ToString());
                break;
            case HttpStatusCode.PartialContent:
                Assert.Equal(bytes.Length, hit.Content.Headers.ContentLength);
                if (hit.Content.Headers.NonValidated.TryGetValues("Content-Range", out var contentRange))
                {
                    var (first, last) = ParseContentRange(contentRange.ToString(), lengthSeed);
                    Assert.Equal(last - first + 1, bytes.Length);
                }
                else
                {
                    Assert.StartsWith("multipart/byteranges; boundary=", hit.Content.Headers.NonValidated["Content-Type"].ToString(), StringComparison.Ordinal);
                }

                break;
            default:
                Assert.Fail($"unexpected status {hit.StatusCode}");
                break;
        }
    }

    private static (long First, long Last) ParseContentRange(string value, long total)
    {
        Assert.StartsWith("bytes ", value, StringComparison.Ordinal);
        Assert.EndsWith("/" + total.ToString(CultureInfo.InvariantCulture), value, StringComparison.Ordinal);
        var span = value["bytes ".Length..value.IndexOf('/', StringComparison.Ordinal)];
        var dash = span.IndexOf('-', StringComparison.Ordinal);
        var first = long.Parse(span[..dash], CultureInfo.InvariantCulture);
        var last = long.Parse(span[(dash + 1)..], CultureInfo.InvariantCulture);
        Assert.True(first >= 0 && first <= last && last < total);
        return (first, last);
    }
}
