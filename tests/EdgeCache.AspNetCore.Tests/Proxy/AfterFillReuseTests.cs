using EdgeCache.Storage;
using EdgeCache.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>
/// A request that comes after a fill has its whole body, while the store is still committing it, is answered as
/// the stored copy would answer it (RFC 9111 section 4): a hit only while the response is fresh and reusable
/// without validation. The commit is held open (<see cref="CommitHoldingStore"/>), as a slow shared tier holds it.
/// </summary>
public sealed class AfterFillReuseTests
{
    [Fact]
    public async Task A_request_while_a_fresh_fill_is_being_stored_is_a_hit_without_a_second_origin_request()
    {
        var (h, store) = await StartAsync("max-age=60");
        await using (h)
        {
            var (miss, first) = await h.GetTextAsync("/fill");
            var (hit, second) = await h.GetTextAsync("/fill");
            store.Release();

            Assert.Equal("MISS", miss.CfStatus());
            Assert.Equal("HIT", hit.CfStatus());
            Assert.Equal("v1", first);
            Assert.Equal("v1", second);
            Assert.Equal(1, h.Origin.Hits("/fill"));
        }
    }

    [Fact]
    public async Task A_request_after_a_fill_whose_response_went_stale_before_it_was_stored_goes_to_the_origin()
    {
        var (h, store) = await StartAsync("max-age=10");
        await using (h)
        {
            await h.GetTextAsync("/fill");
            h.Advance(TimeSpan.FromSeconds(20));
            var (next, body) = await h.GetTextAsync("/fill");
            store.Release();

            Assert.NotEqual("HIT", next.CfStatus());
            Assert.Equal("v2", body);
            Assert.Equal(2, h.Origin.Hits("/fill"));
        }
    }

    [Theory]
    [InlineData("no-cache")]
    [InlineData("max-age=0")]
    public async Task A_response_that_must_be_validated_is_not_reused_while_its_fill_is_being_stored(string cacheControl)
    {
        var (h, store) = await StartAsync(cacheControl);
        await using (h)
        {
            await h.GetTextAsync("/fill");
            var (next, body) = await h.GetTextAsync("/fill");
            store.Release();

            Assert.NotEqual("HIT", next.CfStatus());
            Assert.Equal("v2", body);
            Assert.Equal(2, h.Origin.Hits("/fill"));
        }
    }

    private static async Task<(ProxyHarness Harness, CommitHoldingStore Store)> StartAsync(string cacheControl)
    {
        CommitHoldingStore? held = null;
        var h = await ProxyHarness.StartAsync(sp => held = new CommitHoldingStore(new MemoryStore(timeProvider: sp.GetRequiredService<TimeProvider>())));
        h.Origin.Route("/fill", async (ctx, hit) =>
        {
            ctx.Response.Headers.CacheControl = cacheControl;
            ctx.Response.Headers.ETag = "\"e" + hit + "\"";

            // A declared length: the fill's body is whole at its last byte, before the commit (a chunked one only after it).
            var body = "v" + hit;
            ctx.Response.ContentLength = body.Length;
            await ctx.Response.WriteAsync(body);
        });

        // The store is built on first use; the proxy asks for it when it is mapped.
        return (h, held ?? (CommitHoldingStore)h.Services.GetRequiredService<ICacheStore>());
    }
}
