using System.Diagnostics;
using EdgeCache.Storage;
using Xunit.Abstractions;

namespace EdgeCache.Redis.Tests;

/// <summary>Two nodes in one process: each a local memory store plus the shared Redis tier and backplane.</summary>
public sealed class BackplaneTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task Delete_on_one_node_drops_the_entry_from_the_other_nodes_local_tier(string target)
    {
        var prefix = Entries.Prefix();
        await using var a = await TestNode.StartAsync(RedisTargets.Configuration(target), prefix);
        await using var b = await TestNode.StartAsync(RedisTargets.Configuration(target), prefix);
        Assert.True(await Entries.PutAsync(b.Local, "https://example.com/x"));
        Assert.True(await Entries.PutAsync(a.Local, "https://example.com/x"));
        Assert.True(await Entries.PutAsync(a.Store, "https://example.com/x"));

        var stopwatch = Stopwatch.StartNew();
        Assert.True(await a.Store.DeleteAsync("https://example.com/x"));
        var elapsed = await WaitUntilAsync(async () => await b.Local.GetAsync("https://example.com/x") is null);
        output.WriteLine($"{target}: invalidation applied after {elapsed.TotalMilliseconds:F1} ms");

        // A node ignores its own messages: its local tiers are the composite's to purge, not the backplane's.
        Assert.NotNull(await a.Local.GetAsync("https://example.com/x"));
        Assert.Equal(0, a.Backplane.Applied);
        Assert.Null(await b.Store.GetAsync("https://example.com/x"));
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task Purge_on_one_node_is_applied_to_the_other_nodes_local_tier(string target)
    {
        var prefix = Entries.Prefix();
        await using var a = await TestNode.StartAsync(RedisTargets.Configuration(target), prefix);
        await using var b = await TestNode.StartAsync(RedisTargets.Configuration(target), prefix);
        Assert.True(await Entries.PutAsync(b.Local, "https://example.com/red", "r", "red"));
        Assert.True(await Entries.PutAsync(b.Local, "https://example.com/green", "g", "green"));
        Assert.True(await Entries.PutAsync(b.Local, "https://example.com/soft", "s", "soft"));

        await a.Store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "red"));
        await a.Store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "soft", Soft: true));
        var elapsed = await WaitUntilAsync(() => Task.FromResult(b.Backplane.Applied == 2));
        output.WriteLine($"{target}: two purges applied after {elapsed.TotalMilliseconds:F1} ms");

        Assert.Null(await b.Local.GetAsync("https://example.com/red"));
        Assert.NotNull(await b.Local.GetAsync("https://example.com/green"));
        var soft = await b.Local.GetAsync("https://example.com/soft");
        Assert.NotNull(soft);
        Assert.True(soft.Metadata.Invalidated);
    }

    [Fact]
    public void Invalidation_messages_round_trip_and_garbage_is_ignored()
    {
        var node = Guid.NewGuid();
        foreach (var invalidation in new[]
        {
            CacheInvalidation.Delete("https://example.com/ü?x=1"),
            CacheInvalidation.ForPurge(new PurgeRequest(PurgeKind.Prefix, "https://example.com/", Soft: true)),
            CacheInvalidation.ForPurge(PurgeRequest.Everything),
        })
        {
            Assert.True(InvalidationMessage.TryDecode(InvalidationMessage.Encode(node, invalidation), out var from, out var decoded));
            Assert.Equal(node, from);
            Assert.Equal(invalidation, decoded);
        }

        Assert.False(InvalidationMessage.TryDecode([1, 2, 3], out _, out _));
        var unknownKind = InvalidationMessage.Encode(node, CacheInvalidation.ForPurge(PurgeRequest.Everything));
        unknownKind[18] = 77;
        Assert.False(InvalidationMessage.TryDecode(unknownKind, out _, out _));
    }

    /// <summary>Polls a condition (bounded); returns how long it took to hold.</summary>
    internal static async Task<TimeSpan> WaitUntilAsync(Func<Task<bool>> condition, TimeSpan? limit = null)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(stopwatch.Elapsed < (limit ?? TimeSpan.FromSeconds(5)), "condition not met in time");
            await Task.Delay(2);
        }

        return stopwatch.Elapsed;
    }
}
