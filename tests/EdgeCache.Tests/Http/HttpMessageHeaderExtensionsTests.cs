using System.Net;

namespace EdgeCache.Tests.Http;

/// <summary>headers.get / set / append / delete / has across message and content headers.</summary>
public sealed class HttpMessageHeaderExtensionsTests
{
    [Fact]
    public void Get_reads_content_headers_too_as_sent()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("x") };
        response.Content.Headers.LastModified = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        response.Headers.TryAddWithoutValidation("Vary", ["Accept", "Accept-Encoding"]);

        Assert.Equal("Tue, 01 Dec 2026 10:00:00 GMT", response.GetHeader("last-modified"));
        Assert.Equal("Accept, Accept-Encoding", response.GetHeader("vary"));
        Assert.Null(response.GetHeader("x-absent"));
        Assert.True(response.HasHeader("Content-Type"));
    }

    [Fact]
    public void Set_replaces_every_value_and_puts_a_content_header_on_the_content()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK);
        response.AppendHeader("Cache-Control", "no-store").AppendHeader("Cache-Control", "private");

        response.SetHeader("Cache-Control", "s-maxage=10").SetHeader("Content-Type", "text/html");

        Assert.Equal("s-maxage=10", response.GetHeader("Cache-Control"));
        Assert.NotNull(response.Content);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(response.Headers.NonValidated, h => h.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Append_keeps_existing_values_and_Remove_clears_both_collections()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://example.com/") { Content = new StringContent("x") };
        request.AppendHeader("X-Trace", "a").AppendHeader("x-trace", "b");

        Assert.Equal("a, b", request.GetHeader("X-Trace"));
        Assert.True(request.RemoveHeader("content-type"));
        Assert.False(request.RemoveHeader("content-type"));
        Assert.Null(request.GetHeader("Content-Type"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Bad Name")]
    [InlineData("x:y")]
    [InlineData("ä")]
    public void An_invalid_name_throws_as_JavaScript_throws_a_TypeError(string name)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK);
        Assert.ThrowsAny<ArgumentException>(() => response.SetHeader(name, "v"));
        Assert.ThrowsAny<ArgumentException>(() => response.GetHeader(name));
    }

    [Fact]
    public void WithUrl_and_a_method_makes_a_get_key_from_a_post_keeping_headers_and_options()
    {
        using var post = new HttpRequestMessage(HttpMethod.Post, "https://example.com/search") { Content = new StringContent("q") };
        post.Headers.TryAddWithoutValidation("Accept", "text/html");
        post.WithCacheKey("custom");

        using var key = post.WithUrl("https://example.com/posts/search/abc", HttpMethod.Get);

        Assert.Equal(HttpMethod.Get, key.Method);
        Assert.Equal("https://example.com/posts/search/abc", key.RequestUri!.ToString());
        Assert.Equal("text/html", key.GetHeader("Accept"));
        Assert.True(key.Options.TryGetValue(CacheRequestOptions.CacheKey, out var custom) && custom == "custom");
        Assert.Null(key.Content);
    }
}
