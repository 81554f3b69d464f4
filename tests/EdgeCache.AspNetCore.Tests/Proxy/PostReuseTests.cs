using System.Net;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>
/// RFC 9110 section 9.3.3 and RFC 9111 section 4: a POST response with explicit freshness and a Content-Location
/// equal to the target URI may answer later GETs and HEADs; nothing else about a POST is ever stored.
/// </summary>
public sealed class PostReuseTests
{
    private static void Form(ProxyHarness h, string path, string? contentLocation, string cacheControl = "max-age=60", params (string Name, string Value)[] extra)
        => h.Origin.Route(path, async (ctx, hit) =>
        {
            if (HttpMethods.IsPost(ctx.Request.Method))
            {
                ctx.Response.Headers.CacheControl = cacheControl;
                if (contentLocation is not null)
                {
                    ctx.Response.Headers.ContentLocation = contentLocation;
                }

                foreach (var (name, value) in extra)
                {
                    ctx.Response.Headers.Append(name, value);
                }

                await ctx.Response.WriteAsync($"posted #{hit}");
                return;
            }

            ctx.Response.Headers.CacheControl = "max-age=60";
            await ctx.Response.WriteAsync($"get #{hit}");
        });

    private static Task<HttpResponseMessage> PostAsync(ProxyHarness h, string path, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("name=value") };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return h.Client.SendAsync(request);
    }

    private static int Gets(ProxyHarness h, string path) => h.Origin.Requests.Count(r => r.Method == "GET" && r.PathAndQuery == path);

    [Fact]
    public async Task Rfc9110_9_3_3_A_POST_response_with_explicit_freshness_and_its_target_as_Content_Location_answers_later_GETs_and_HEADs()
    {
        await using var h = await ProxyHarness.StartAsync(("ReusePostResponses", "true"));
        Form(h, "/form", "/form");

        var post = await PostAsync(h, "/form");
        var postBody = await post.Content.ReadAsStringAsync();
        await h.AdvanceAsync(TimeSpan.FromSeconds(10));
        var (get, body) = await h.GetTextAsync("/form");
        var head = await h.SendAsync(HttpMethod.Head, "/form");

        Assert.Equal("posted #1", postBody);
        Assert.Contains("stored", post.CacheStatus());
        Assert.Equal("DYNAMIC", post.CfStatus());
        Assert.Equal("HIT", get.CfStatus());
        Assert.Equal("posted #1", body);
        Assert.Equal("10", get.Header("Age"));
        Assert.Equal("HIT", head.CfStatus());
        Assert.Equal(0, Gets(h, "/form"));
    }

    [Theory]
    [InlineData("/form2", "http://{origin}/form2")]
    [InlineData("/form2", "form2")]
    [InlineData("/form2", "/%66orm2")]
    public async Task Rfc9110_9_3_3_Content_Location_may_name_the_target_absolutely_or_relatively(string path, string contentLocation)
    {
        await using var h = await ProxyHarness.StartAsync(("ReusePostResponses", "true"));
        Form(h, path, contentLocation.Replace("{origin}", h.Origin.BaseUri.Authority, StringComparison.Ordinal));

        await (await PostAsync(h, path)).Content.ReadAsStringAsync();
        var (get, body) = await h.GetTextAsync(path);

        Assert.Equal("HIT", get.CfStatus());
        Assert.Equal("posted #1", body);
    }

    [Theory]
    [InlineData(null, "max-age=60")]
    [InlineData("/other", "max-age=60")]
    [InlineData("/form3?x=1", "max-age=60")]
    [InlineData("http://evil.example/form3", "max-age=60")]
    [InlineData("//evil.example/form3", "max-age=60")]
    [InlineData("/form3", "public")]
    [InlineData("/form3", "max-age=60, private")]
    [InlineData("/form3", "max-age=60, no-store")]
    [InlineData("/form3", "max-age=0")]
    public async Task Rfc9110_9_3_3_A_POST_response_is_never_reused_without_explicit_freshness_and_exactly_its_target_as_Content_Location(string? contentLocation, string cacheControl)
    {
        await using var h = await ProxyHarness.StartAsync(("ReusePostResponses", "true"));
        Form(h, "/form3", contentLocation, cacheControl);

        await (await PostAsync(h, "/form3")).Content.ReadAsStringAsync();
        var (get, body) = await h.GetTextAsync("/form3");

        Assert.Equal("get #2", body);
        Assert.NotEqual("HIT", get.CfStatus());
        Assert.Equal(1, Gets(h, "/form3"));
    }

    [Fact]
    public async Task Rfc9110_9_3_3_A_POST_with_Authorization_or_a_response_that_sets_a_cookie_is_not_reused()
    {
        await using var h = await ProxyHarness.StartAsync(("ReusePostResponses", "true"));
        Form(h, "/auth", "/auth");
        Form(h, "/cookie", "/cookie", "max-age=60", ("Set-Cookie", "session=secret"));

        await (await PostAsync(h, "/auth", ("Authorization", "Bearer user1"))).Content.ReadAsStringAsync();
        await (await PostAsync(h, "/cookie")).Content.ReadAsStringAsync();
        var (_, auth) = await h.GetTextAsync("/auth");
        var (cookieGet, cookie) = await h.GetTextAsync("/cookie");

        Assert.Equal("get #2", auth);
        Assert.Equal("get #2", cookie);
        Assert.Null(cookieGet.Header("Set-Cookie"));
    }

    [Fact]
    public async Task Rfc9111_4_4_The_POST_invalidates_the_stored_GET_first_and_its_own_reusable_response_replaces_it()
    {
        await using var h = await ProxyHarness.StartAsync(("ReusePostResponses", "true"));
        Form(h, "/replace", "/replace");
        Form(h, "/plain-post", null);

        var (_, before) = await h.GetTextAsync("/replace");
        await (await PostAsync(h, "/replace")).Content.ReadAsStringAsync();
        var (after, afterBody) = await h.GetTextAsync("/replace");
        await h.GetTextAsync("/plain-post");
        await (await PostAsync(h, "/plain-post")).Content.ReadAsStringAsync();
        var (_, plain) = await h.GetTextAsync("/plain-post");

        Assert.Equal("get #1", before);
        Assert.Equal("HIT", after.CfStatus());
        Assert.Equal("posted #2", afterBody);
        Assert.Equal("get #3", plain);
    }

    [Fact]
    public async Task Rfc9110_9_3_3_A_chunked_POST_response_larger_than_the_buffer_streams_whole_and_is_not_stored()
    {
        await using var h = await ProxyHarness.StartAsync(("MaxObjectSize", "1KB"), ("ReusePostResponses", "true"));
        var large = new string('x', 5000);
        h.Origin.Route("/big", async (ctx, hit) =>
        {
            ctx.Response.Headers.CacheControl = "max-age=60";
            ctx.Response.Headers.ContentLocation = "/big";
            for (var i = 0; i < 5; i++)
            {
                await ctx.Response.WriteAsync(large.Substring(i * 1000, 1000));
                await ctx.Response.Body.FlushAsync();
            }
        });

        var post = await PostAsync(h, "/big");
        var body = await post.Content.ReadAsStringAsync();
        var get = await h.GetAsync("/big");

        Assert.Equal(large, body);
        Assert.DoesNotContain("stored", post.CacheStatus());
        Assert.NotEqual("HIT", get.CfStatus());
    }

    [Fact]
    public async Task Rfc9110_9_3_3_With_host_pass_through_a_POST_response_is_stored_only_for_its_own_host()
    {
        await using var h = await ProxyHarness.StartAsync(("HostHeader", "pass-through"), ("ReusePostResponses", "true"));
        Form(h, "/hosted", "http://a.example/hosted");

        await (await PostAsync(h, "/hosted", ("Host", "a.example"))).Content.ReadAsStringAsync();
        var (aGet, a) = await h.GetTextAsync("/hosted", ("Host", "a.example"));
        var (_, b) = await h.GetTextAsync("/hosted", ("Host", "b.example"));

        Assert.Equal("HIT", aGet.CfStatus());
        Assert.Equal("posted #1", a);
        Assert.Equal("get #2", b);
    }
}
