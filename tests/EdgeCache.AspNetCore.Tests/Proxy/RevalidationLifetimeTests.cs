using System.Net;
using EdgeCache.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>
/// A validation can take longer than the memory tier keeps a removed entry's body (its one-second removal grace):
/// when the entry leaves the tier while the origin is still answering, the 304 must not be served from a body that
/// is gone. The client gets the whole response either way.
/// </summary>
public sealed class RevalidationLifetimeTests
{
    private const string ETag = "\"v1\"";

    [Theory]
    [InlineData(4000)]
    [InlineData(40_000)]
    public async Task A_304_for_an_entry_removed_while_the_origin_answered_is_still_a_whole_response(int length)
    {
        await using var h = await ProxyHarness.StartAsync();
        var body = new string('b', length);
        var validating = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Origin.Route("/slow-304", async (ctx, hit) =>
        {
            ctx.Response.Headers.CacheControl = "max-age=10";
            ctx.Response.Headers.ETag = ETag;
            if (ctx.Request.Headers.IfNoneMatch == ETag && hit == 2)
            {
                validating.TrySetResult();
                await release.Task;
                ctx.Response.StatusCode = StatusCodes.Status304NotModified;
                return;
            }

            await ctx.Response.WriteAsync(body);
        });

        Assert.Equal(body, (await h.GetTextAsync("/slow-304")).Body);
        await h.AdvanceAsync(TimeSpan.FromSeconds(20));
        var pending = h.GetTextAsync("/slow-304");
        await validating.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // The entry leaves memory while its validation waits on the origin, and its removal grace runs out.
        Assert.True(await h.Services.GetRequiredService<ICacheStore>().DeleteAsync(h.Origin.Url("/slow-304").ToString()));
        h.Advance(TimeSpan.FromSeconds(2));
        release.SetResult();

        var (response, text) = await pending.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, text);

        // Answered again as a miss: a third origin request, whose response is stored and then hit.
        Assert.Equal(3, h.Origin.Hits("/slow-304"));
        var (hit, hitBody) = await h.GetTextAsync("/slow-304");
        Assert.Equal(body, hitBody);
        Assert.Contains("hit", hit.CacheStatus());
        Assert.Equal(3, h.Origin.Hits("/slow-304"));
    }
}
