using System.IO.Pipelines;
using EdgeCache.Storage;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Tests.CacheApi;

/// <summary>
/// Concurrent misses of one key each put their response (the Cache API does not collapse them): the put that
/// began last is what later matches see, even when an earlier put's body finishes after it.
/// </summary>
public sealed class ConcurrentPutTests
{
    private const string Url = "https://example.com/coalesce";

    [Fact]
    public async Task A_put_whose_body_finishes_last_does_not_replace_a_later_put_that_committed_first()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        await using var store = new PurgeFencedStore(new MemoryStore(new MemoryStoreOptions(), time));
        var caches = new CacheStorage(store, null, time);

        var slowBody = new Pipe();
        var slow = new HttpResponseMessage { Content = new StreamContent(slowBody.Reader.AsStream()) };
        slow.Headers.TryAddWithoutValidation("Cache-Control", "s-maxage=10");
        slow.Headers.TryAddWithoutValidation("X-Origin-Hit", "1");
        var slowPut = caches.Default.PutAsync(CacheTestContext.Get(Url), slow);
        Assert.False(slowPut.IsCompleted); // waiting for its body

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(await caches.Default.PutAsync(CacheTestContext.Get(Url), CacheTestContext.Response("third answer", headers: [("X-Origin-Hit", "3")])));

        await slowBody.Writer.WriteAsync("first answer"u8.ToArray());
        await slowBody.Writer.CompleteAsync();
        Assert.True(await slowPut);

        using var hit = await caches.Default.MatchAsync(CacheTestContext.Get(Url));
        Assert.NotNull(hit);
        Assert.Equal("third answer", await hit.Content.ReadAsStringAsync());
        Assert.Equal("3", hit.Headers.GetValues("X-Origin-Hit").Single());
    }
}
