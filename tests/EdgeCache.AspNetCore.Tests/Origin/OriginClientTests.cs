using EdgeCache.AspNetCore.Origin;
using EdgeCache.AspNetCore.Proxy;
using EdgeCache.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace EdgeCache.AspNetCore.Tests.Origin;

/// <summary>The one origin client both front doors send through: one timeout default, validated, and what a timeout looks like.</summary>
public sealed class OriginClientTests
{
    [Fact]
    public void Both_front_doors_default_to_the_one_origin_timeout()
    {
        Assert.Equal(OriginClient.DefaultTimeout, new EdgeCacheOptions().OriginTimeout);
        Assert.Equal(OriginClient.DefaultTimeout, new CachingProxyOptions().OriginTimeout);
        using var client = new OriginClient(Options.Create(new EdgeCacheOptions()));
        Assert.Equal(TimeSpan.FromSeconds(30), client.Timeout);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:00:01")]
    [InlineData("01:00:00.001")]
    public void An_origin_timeout_out_of_range_fails_at_start_up_naming_the_setting(string timeout)
    {
        var value = TimeSpan.Parse(timeout, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("OriginTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => new EdgeCacheOptions { OriginTimeout = value }.Validate()).ParamName);
        Assert.Equal("OriginTimeout", Assert.Throws<ArgumentOutOfRangeException>(
            () => new CachingProxyOptions { Origin = new Uri("http://127.0.0.1:9/"), OriginTimeout = value }.Validate()).ParamName);
    }

    [Fact]
    public async Task An_origin_that_sends_no_headers_in_time_is_a_timeout_naming_the_url()
    {
        await using var origin = RawSocketOrigin.Start();
        var release = new TaskCompletionSource();
        origin.Hold("/slow", () => release.Task);
        using var client = new OriginClient(Options.Create(new EdgeCacheOptions { OriginTimeout = TimeSpan.FromMilliseconds(200) }));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(origin.BaseUri, "/slow"));

        var error = await Assert.ThrowsAsync<TimeoutException>(() => client.SendAsync(request, CancellationToken.None));

        release.SetResult();
        Assert.Contains("/slow", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_caller_that_gives_up_is_a_cancellation_not_an_origin_timeout()
    {
        await using var origin = RawSocketOrigin.Start();
        var release = new TaskCompletionSource();
        origin.Hold("/slow", () => release.Task);
        using var client = new OriginClient(Options.Create(new EdgeCacheOptions()));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(origin.BaseUri, "/slow"));
        using var gaveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SendAsync(request, gaveUp.Token));

        release.SetResult();
    }

    [Fact]
    public async Task A_body_that_streams_for_longer_than_the_timeout_is_not_cut_off()
    {
        // The timeout covers the response headers only: the deadline a request shares with others is cancelled
        // later, after the headers came back, and must not reach the body still streaming.
        await using var origin = await TestOrigin.StartAsync();
        origin.Route("/slow-body", async (context, _) =>
        {
            context.Response.ContentLength = 6;
            await context.Response.WriteAsync("first");
            await context.Response.Body.FlushAsync();
            await Task.Delay(TimeSpan.FromMilliseconds(800));
            await context.Response.WriteAsync("!");
        });
        origin.Route("/warm", (context, _) => context.Response.WriteAsync("ok"));
        using var client = new OriginClient(Options.Create(new EdgeCacheOptions { OriginTimeout = TimeSpan.FromMilliseconds(200) }));

        // A cold origin and client (connect, JIT of both pipelines) can take longer than 200 ms for their first headers
        // on a loaded machine; warmed, the slow body's headers come at once and only its body outlasts the timeout.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var warm = new HttpRequestMessage(HttpMethod.Get, origin.Url("/warm"));
                using var warmed = await client.SendAsync(warm, CancellationToken.None);
                Assert.Equal("ok", await warmed.Content.ReadAsStringAsync());
                break;
            }
            catch (TimeoutException) when (attempt < 20)
            {
            }
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, origin.Url("/slow-body"));
        using var response = await client.SendAsync(request, CancellationToken.None);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal("first!", body);
    }
}
