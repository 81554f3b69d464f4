using System.Diagnostics;
using EdgeCache.Storage;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace EdgeCache.Redis.Tests;

/// <summary>
/// A node serves its local tiers only while it can show that it has applied every purge in the log: not from start
/// until it has caught up (a restarted node's disk tier may hold what was purged while it was down), and not once its
/// lease ran out without a read of the log (cut off from Redis, other nodes' purges go on answering).
/// </summary>
[Collection(ServerLifecycleCollection.Name)]
public sealed class PurgeLogLeaseTests
{
    private const string Key = "https://example.com/kept";

    [Fact]
    public async Task A_node_that_has_not_read_the_purge_log_yet_serves_nothing_from_its_local_tiers()
    {
        using var garnet = GarnetHost.Start();
        garnet.Stop();
        var local = new MemoryStore(); // stands for a disk tier that outlived the process
        Assert.True(await Entries.PutAsync(local, Key));
        await using var tier = new RedisTier(Options(garnet.Configuration, Entries.Prefix()));
        await using var store = new SharedTierStore(local, tier);

        // Before this, a restarted node answered from its disk tier at once, purges made while it was down included.
        Assert.Null(await store.GetAsync(Key));
        Assert.NotNull(await local.GetAsync(Key));

        garnet.Resume();
        await BackplaneTests.WaitUntilAsync(async () => await store.GetAsync(Key) is not null, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_node_cut_off_from_the_purge_log_stops_serving_its_local_tiers_when_its_lease_runs_out()
    {
        using var garnet = GarnetHost.Start();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var local = new MemoryStore();
        await using var tier = new RedisTier(Options(garnet.Configuration, Entries.Prefix()), timeProvider: time);
        await using var store = new SharedTierStore(local, tier);
        Assert.True(await Entries.PutAsync(local, Key));
        await AdvanceUntilAsync(time, async () => await store.GetAsync(Key) is not null);

        garnet.Stop();

        // The log cannot be read: past the lease (1.5 s) the node cannot show it missed no purge, and skips its local tiers.
        await AdvanceUntilAsync(time, async () => await store.GetAsync(Key) is null);
        Assert.NotNull(await local.GetAsync(Key));
    }

    [Fact]
    public async Task An_open_breaker_does_not_stop_a_node_from_proving_it_missed_no_purge()
    {
        using var garnet = GarnetHost.Start();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var local = new MemoryStore();
        var options = new RedisTierOptions
        {
            Configuration = garnet.Configuration,
            KeyPrefix = Entries.Prefix(),
            OperationTimeout = TimeSpan.FromSeconds(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            BreakerOpenDuration = TimeSpan.FromHours(1),
        };
        await using var tier = new RedisTier(options, timeProvider: time);
        await using var store = new SharedTierStore(local, tier);
        Assert.True(await Entries.PutAsync(local, Key));
        await AdvanceUntilAsync(time, async () => await store.GetAsync(Key) is not null);

        // Entries on a restarting master time out and open the breaker; the log (on another master) is still readable.
        for (var i = 0; i < options.BreakerFailureThreshold; i++)
        {
            await tier.Connection.ExecuteAsync<bool>(
                "injected", _ => Task.FromException<bool>(new RedisException("injected")), false, TimeSpan.FromSeconds(1), default);
        }

        Assert.Equal(CircuitState.Open, tier.Connection.BreakerState);
        var until = time.GetUtcNow() + options.PurgeLogLease * 3;
        await AdvanceUntilAsync(time, () => Task.FromResult(time.GetUtcNow() > until));

        Assert.Equal(CircuitState.Open, tier.Connection.BreakerState);
        await AdvanceUntilAsync(time, async () => await store.GetAsync(Key) is not null);
    }

    private static RedisTierOptions Options(string configuration, string prefix) => new()
    {
        Configuration = configuration,
        KeyPrefix = prefix,
        OperationTimeout = TimeSpan.FromSeconds(5),
        ConnectTimeout = TimeSpan.FromMilliseconds(500),
    };

    /// <summary>Moves the fake clock on at about the pace of the real one (so Redis's answers keep up) until the condition holds.</summary>
    private static async Task AdvanceUntilAsync(FakeTimeProvider time, Func<Task<bool>> condition)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), "condition not met in time");
            time.Advance(TimeSpan.FromMilliseconds(10));
            await Task.Delay(10);
        }
    }
}
