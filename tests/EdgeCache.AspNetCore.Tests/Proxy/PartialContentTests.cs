using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>
/// RFC 9111 sections 3.3 and 3.4: 206 responses with a known complete length are stored as parts, later ranges
/// inside a part are served from it, parts with one strong validator are combined and complete the entry.
/// </summary>
public sealed class PartialContentTests
{
    private static readonly string Document = string.Concat(Enumerable.Range(0, 100).Select(i => i.ToString("D10", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>A 1000-byte document that answers single ranges itself; the ETag and complete length come from the callbacks.</summary>
    private static void RangedRoute(ProxyHarness h, string path, Func<int, string> etag, bool knownLength = true)
        => h.Origin.Route(path, async (ctx, hit) =>
        {
            ctx.Response.Headers.CacheControl = "max-age=60";
            ctx.Response.Headers.ETag = etag(hit);
            ctx.Response.ContentType = "application/octet-stream";
            var range = ctx.Request.Headers.Range.ToString();
            if (range.StartsWith("bytes=", StringComparison.Ordinal))
            {
                var bounds = range[6..].Split('-');
                var first = int.Parse(bounds[0], System.Globalization.CultureInfo.InvariantCulture);
                var last = int.Parse(bounds[1], System.Globalization.CultureInfo.InvariantCulture);
                ctx.Response.StatusCode = 206;
                ctx.Response.Headers.ContentRange = $"bytes {first}-{last}/{(knownLength ? "1000" : "*")}";
                ctx.Response.ContentLength = last - first + 1;
                await ctx.Response.WriteAsync(Document.Substring(first, last - first + 1));
                return;
            }

            ctx.Response.ContentLength = Document.Length;
            await ctx.Response.WriteAsync(Document);
        });

    private static Task<ProxyHarness> StartAsync() => ProxyHarness.StartAsync(("FetchFullObjectForRangeMiss", "false"));

    private static async Task<(HttpResponseMessage Response, string Body)> RangeAsync(ProxyHarness h, string path, string range)
        => await h.GetTextAsync(path, ("Range", range));

    [Fact]
    public async Task Rfc9111_3_3_A_206_with_a_known_complete_length_is_stored_and_answers_later_ranges_inside_it()
    {
        await using var h = await StartAsync();
        RangedRoute(h, "/video", _ => "\"v\"");

        var (first, firstBody) = await RangeAsync(h, "/video", "bytes=0-499");
        var (inside, insideBody) = await RangeAsync(h, "/video", "bytes=100-199");
        var (suffixOutside, _) = await RangeAsync(h, "/video", "bytes=-100");
        var (outside, outsideBody) = await RangeAsync(h, "/video", "bytes=400-599");

        Assert.Equal(HttpStatusCode.PartialContent, first.StatusCode);
        Assert.Contains("stored", first.CacheStatus());
        Assert.Equal(Document[..500], firstBody);
        Assert.Equal(HttpStatusCode.PartialContent, inside.StatusCode);
        Assert.Equal("HIT", inside.CfStatus());
        Assert.Contains("detail=part", inside.CacheStatus());
        Assert.Equal("bytes 100-199/1000", inside.Header("Content-Range"));
        Assert.Equal("100", inside.Header("Content-Length"));
        Assert.Equal("\"v\"", inside.Header("ETag"));
        Assert.Equal(Document.Substring(100, 100), insideBody);
        Assert.NotEqual("HIT", suffixOutside.CfStatus());
        Assert.NotEqual("HIT", outside.CfStatus());
        Assert.Equal(Document.Substring(400, 200), outsideBody);
    }

    [Fact]
    public async Task Rfc9111_3_4_Parts_with_the_same_strong_validator_are_combined_and_complete_the_stored_response()
    {
        await using var h = await StartAsync();
        RangedRoute(h, "/whole", _ => "\"v\"");

        await RangeAsync(h, "/whole", "bytes=0-399");
        await RangeAsync(h, "/whole", "bytes=300-699");
        var (combined, combinedBody) = await RangeAsync(h, "/whole", "bytes=50-649");
        await RangeAsync(h, "/whole", "bytes=700-999");
        var (full, fullBody) = await h.GetTextAsync("/whole");
        var (tail, tailBody) = await RangeAsync(h, "/whole", "bytes=-10");

        Assert.Equal("HIT", combined.CfStatus());
        Assert.Equal(Document.Substring(50, 600), combinedBody);
        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        Assert.Equal("HIT", full.CfStatus());
        Assert.Equal(Document, fullBody);
        Assert.Equal("1000", full.Header("Content-Length"));
        Assert.Null(full.Header("Content-Range"));
        Assert.Equal("HIT", tail.CfStatus());
        Assert.Equal(Document[^10..], tailBody);
        Assert.Equal(3, h.Origin.Hits("/whole"));
    }

    [Theory]
    [InlineData("\"v1\"", "\"v2\"")]
    [InlineData("W/\"v\"", "W/\"v\"")]
    public async Task Rfc9111_3_4_Parts_without_one_strong_validator_are_never_combined(string firstTag, string secondTag)
    {
        await using var h = await StartAsync();
        RangedRoute(h, "/changed", hit => hit == 1 ? firstTag : secondTag);

        await RangeAsync(h, "/changed", "bytes=0-499");
        await RangeAsync(h, "/changed", "bytes=500-999");
        var (early, _) = await RangeAsync(h, "/changed", "bytes=0-99");
        var full = await h.GetAsync("/changed");

        // The second part replaced the first rather than being joined to it: no complete response, no early bytes.
        Assert.NotEqual("HIT", full.CfStatus());
        Assert.NotEqual("HIT", early.CfStatus());
    }

    [Fact]
    public async Task Rfc9111_3_3_A_206_without_a_complete_length_is_not_stored()
    {
        await using var h = await StartAsync();
        RangedRoute(h, "/unknown", _ => "\"v\"", knownLength: false);

        var first = await h.GetAsync("/unknown", ("Range", "bytes=0-499"));
        var second = await h.GetAsync("/unknown", ("Range", "bytes=0-99"));

        Assert.DoesNotContain("stored", first.CacheStatus());
        Assert.NotEqual("HIT", second.CfStatus());
        Assert.Equal(2, h.Origin.Hits("/unknown"));
    }

    [Fact]
    public async Task Rfc9111_4_4_An_unsafe_request_invalidates_the_stored_parts_too()
    {
        await using var h = await StartAsync();
        RangedRoute(h, "/parts", _ => "\"v\"");

        await RangeAsync(h, "/parts", "bytes=0-499");
        using (var post = new HttpRequestMessage(HttpMethod.Post, "/parts") { Content = new StringContent("x") })
        {
            await (await h.Client.SendAsync(post)).Content.ReadAsStringAsync();
        }

        var (after, _) = await RangeAsync(h, "/parts", "bytes=0-99");

        Assert.NotEqual("HIT", after.CfStatus());
    }

    [Fact]
    public async Task Rfc9111_3_3_A_stored_part_is_not_served_against_a_failing_If_Range()
    {
        await using var h = await StartAsync();
        RangedRoute(h, "/ifrange", _ => "\"v\"");

        await RangeAsync(h, "/ifrange", "bytes=0-499");
        var matching = await h.GetAsync("/ifrange", ("Range", "bytes=0-9"), ("If-Range", "\"v\""));
        var other = await h.GetAsync("/ifrange", ("Range", "bytes=0-9"), ("If-Range", "\"other\""));

        Assert.Equal("HIT", matching.CfStatus());
        Assert.NotEqual("HIT", other.CfStatus());
    }
}
