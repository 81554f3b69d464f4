using System.Diagnostics;
using EdgeCache.Storage;

namespace EdgeCache.Redis.Tests;

/// <summary>Redis down, slow or never there: the tier answers locally and quickly, and recovers by itself.</summary>
[Collection(ServerLifecycleCollection.Name)]
public sealed class OutageTests
{
    // A generous bound: the point is "never stalls", not a latency measurement on a busy machine.
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Stopped_server_opens_the_breaker_calls_stay_within_budget_and_redis_is_used_again_after_it_returns()
    {
        using var garnet = GarnetHost.Start();
        await using var node = await TestNode.StartAsync(garnet.Configuration, Entries.Prefix(), o => new RedisTierOptions
        {
            Configuration = o.Configuration,
            KeyPrefix = o.KeyPrefix,
            OperationTimeout = TimeSpan.FromMilliseconds(100),
            BreakerOpenDuration = TimeSpan.FromMilliseconds(500),
            PurgeTimeout = TimeSpan.FromMilliseconds(500),
        });
        // The first calls of a cold connection may exceed 100 ms on a busy machine: retry (bounded).
        await BackplaneTests.WaitUntilAsync(() => Entries.PutAsync(node.Store, "https://example.com/before"), TimeSpan.FromSeconds(30));

        garnet.Stop();
        var slowest = TimeSpan.Zero;
        for (var i = 0; i < 30; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            Assert.Null(await node.Store.GetAsync("https://example.com/before"));
            Assert.False(await Entries.PutAsync(node.Store, "https://example.com/during"));
            await node.Store.DeleteAsync("https://example.com/during");
            slowest = stopwatch.Elapsed > slowest ? stopwatch.Elapsed : slowest;
        }

        Assert.True(slowest < Budget, $"slowest round of calls took {slowest}");
        Assert.False(node.Connection.IsAvailable);

        // A purge is off the request path: it waits for Redis up to its timeout, then says it did not reach the other nodes.
        await Assert.ThrowsAsync<PurgeIncompleteException>(async () => await node.Store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "x")));

        garnet.Resume();
        await BackplaneTests.WaitUntilAsync(
            async () => await Entries.PutAsync(node.Store, "https://example.com/after") && await node.Store.GetAsync("https://example.com/after") is not null,
            TimeSpan.FromSeconds(30));
        Assert.True(node.Connection.IsAvailable);
        Assert.Equal(CircuitState.Closed, node.Connection.BreakerState);
    }

    [Fact]
    public async Task Unreachable_server_answers_miss_and_not_stored_at_once()
    {
        await using var connection = new RedisConnection(new RedisTierOptions { Configuration = "127.0.0.1:1", ConnectTimeout = TimeSpan.FromMilliseconds(300), PurgeTimeout = TimeSpan.FromMilliseconds(300) });
        var store = new RedisStore(connection, new RedisBackplane(connection));
        var fillLock = new RedisFillLock(connection);

        var stopwatch = Stopwatch.StartNew();
        Assert.Null(await store.GetAsync("https://example.com/a"));
        Assert.Null(await store.BeginWriteAsync(Entries.Metadata("https://example.com/a")));
        Assert.False(await store.DeleteAsync("https://example.com/a"));
        await using (var lease = await fillLock.TryAcquireFillLockAsync("https://example.com/a"))
        {
            // The lock fails open: the caller fills without collapsing.
            Assert.NotNull(lease);
            Assert.False(lease.IsShared);
        }

        Assert.True(stopwatch.Elapsed < Budget, $"took {stopwatch.Elapsed}");
        Assert.False(connection.IsAvailable);

        // A purge waits for Redis up to its timeout, then says the other nodes were not told.
        await Assert.ThrowsAsync<PurgeIncompleteException>(async () => await store.PurgeAsync(PurgeRequest.Everything));
    }

    [Fact]
    public async Task Call_slower_than_the_timeout_is_abandoned_and_repeated_slowness_opens_the_breaker()
    {
        await using var connection = new RedisConnection(new RedisTierOptions
        {
            Configuration = GarnetHost.Shared.Configuration,
            OperationTimeout = TimeSpan.FromMilliseconds(50),
            BreakerFailureThreshold = 3,
            BreakerOpenDuration = TimeSpan.FromMinutes(1),
        });
        Assert.True(await connection.WaitForConnectionAsync(TimeSpan.FromSeconds(10)));
        var never = new TaskCompletionSource<int>();

        for (var i = 0; i < 3; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            Assert.Equal(-1, await connection.ExecuteAsync("slow", _ => never.Task, -1, TimeSpan.FromMilliseconds(50), default));
            Assert.True(stopwatch.Elapsed < Budget, $"took {stopwatch.Elapsed}");
        }

        Assert.Equal(CircuitState.Open, connection.BreakerState);
        var called = false;
        Assert.Equal(-1, await connection.ExecuteAsync("skipped", _ => { called = true; return Task.FromResult(1); }, -1, TimeSpan.FromSeconds(1), default));
        Assert.False(called);
    }
}
