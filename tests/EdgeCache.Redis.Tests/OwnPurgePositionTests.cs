using EdgeCache.Storage;

namespace EdgeCache.Redis.Tests;

/// <summary>
/// A node's own purge and its place in the purge log: once the purge has answered, a write on the node records a
/// position at or past it, so what is stored next does not read back as purged.
/// </summary>
public sealed class OwnPurgePositionTests
{
    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task A_write_right_after_the_nodes_own_purge_is_not_taken_for_purged_while_its_message_is_still_on_its_way(string target)
    {
        await using var node = await TestNode.StartAsync(RedisTargets.Configuration(target), Entries.Prefix());
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        node.Backplane.LoggedMessageFault = _ => held.Task; // the node's own purge never comes back on the channel
        try
        {
            Assert.True(await Entries.PutAsync(node.Store, "https://example.com/a", "old", "blue"));

            await node.Store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "blue"));
            Assert.True(await Entries.PutAsync(node.Store, "https://example.com/a", "new", "blue"));
            var entry = await node.Store.GetAsync("https://example.com/a");

            Assert.NotNull(entry);
            Assert.False(entry.Metadata.Invalidated);
            Assert.Equal("new", await Entries.BodyAsync(node.Store, "https://example.com/a"));
        }
        finally
        {
            held.TrySetResult();
        }
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task With_another_nodes_purge_still_on_its_way_the_answer_waits_until_this_node_is_past_its_own(string target)
    {
        var prefix = Entries.Prefix();
        await using var a = await TestNode.StartAsync(RedisTargets.Configuration(target), prefix, o => WithAckTimeout(o, TimeSpan.FromSeconds(30)));
        await using var b = await TestNode.StartAsync(RedisTargets.Configuration(target), prefix, o => WithAckTimeout(o, TimeSpan.Zero));

        // A holds the first logged purge it hears (b's) until the next one (its own) arrives.
        var othersArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = 0;
        a.Backplane.LoggedMessageFault = _ =>
        {
            if (Interlocked.Increment(ref seen) == 1)
            {
                return othersArrived.Task;
            }

            othersArrived.TrySetResult();
            return Task.CompletedTask;
        };

        try
        {
            await b.Store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "green"));
            var before = a.Backplane.PurgeLogPosition;

            await a.Store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "blue"));
            var after = a.Backplane.PurgeLogPosition;
            Assert.True(await Entries.PutAsync(a.Store, "https://example.com/b", "new", "blue"));
            var entry = await a.Store.GetAsync("https://example.com/b");

            Assert.Equal(before + 2, after);
            Assert.NotNull(entry);
            Assert.False(entry.Metadata.Invalidated);
        }
        finally
        {
            othersArrived.TrySetResult();
        }
    }

    private static RedisTierOptions WithAckTimeout(RedisTierOptions o, TimeSpan timeout) => new()
    {
        Configuration = o.Configuration,
        KeyPrefix = o.KeyPrefix,
        OperationTimeout = o.OperationTimeout,
        ConnectTimeout = o.ConnectTimeout,
        PurgeAckTimeout = timeout,
    };
}
