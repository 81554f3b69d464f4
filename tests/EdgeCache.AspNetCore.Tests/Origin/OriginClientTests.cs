using EdgeCache.AspNetCore.Origin;
using EdgeCache.AspNetCore.Proxy;
using EdgeCache.Testing;
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
}
