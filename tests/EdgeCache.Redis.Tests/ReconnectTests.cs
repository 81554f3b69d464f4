using EdgeCache.Storage;
using StackExchange.Redis;

namespace EdgeCache.Redis.Tests;

/// <summary>
/// The purge log: what pub/sub loses (a reconnect, a node that was down, a dropped message) is applied from
/// the log; what the log cannot vouch for (Redis lost it) costs the node its local entries, never a purged one.
/// </summary>
[Collection(ServerLifecycleCollection.Name)]
public sealed class ReconnectTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgecache-purgelog-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Node_that_reconnects_to_a_redis_that_lost_its_purge_log_purges_every_local_entry()
    {
        using var garnet = GarnetHost.Start();
        await using var node = await TestNode.StartAsync(garnet.Configuration, Entries.Prefix());
        Assert.True(await Entries.PutAsync(node.Local, "https://example.com/kept"));

        garnet.Stop();
        await BackplaneTests.WaitUntilAsync(() => Task.FromResult(!node.Connection.Multiplexer!.IsConnected), TimeSpan.FromSeconds(20));
        Assert.NotNull(await node.Local.GetAsync("https://example.com/kept"));

        // A fresh server: the log (and any purge another node wrote to it meanwhile) is gone.
        garnet.Resume();
        await BackplaneTests.WaitUntilAsync(() => Task.FromResult(node.Backplane.PurgeLogResets > 0), TimeSpan.FromSeconds(30));

        Assert.Null(await node.Local.GetAsync("https://example.com/kept"));
    }

    [Fact]
    public async Task Node_that_was_down_applies_the_purges_it_missed_from_the_purge_log_when_it_starts()
    {
        var prefix = Entries.Prefix();
        var checkpoint = Path.Combine(_directory, "purge-log.position");
        var disk = new MemoryStore(); // stands for a disk tier: it outlives the node's process
        await using (var before = await TestNode.StartAsync(GarnetHost.Shared.Configuration, prefix, o => WithCheckpoint(o, checkpoint), disk))
        {
            Assert.True(await Entries.PutAsync(disk, "https://example.com/red", "r", "red"));
            Assert.True(await Entries.PutAsync(disk, "https://example.com/green", "g", "green"));
        }

        Assert.True(File.Exists(checkpoint));
        await using var other = await TestNode.StartAsync(GarnetHost.Shared.Configuration, prefix);
        await other.Store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "red"));

        await using var after = await TestNode.StartAsync(GarnetHost.Shared.Configuration, prefix, o => WithCheckpoint(o, checkpoint), disk);

        Assert.Null(await disk.GetAsync("https://example.com/red"));
        Assert.NotNull(await disk.GetAsync("https://example.com/green"));
        Assert.Equal(1, after.Backplane.Applied);
        Assert.Equal(0, after.Backplane.PurgeLogResets);
        Assert.Equal(other.Backplane.PurgeLogPosition, after.Backplane.PurgeLogPosition);
    }

    [Fact]
    public async Task Node_whose_tiers_persist_but_has_no_checkpoint_starts_by_purging_them()
    {
        var disk = new MemoryStore();
        Assert.True(await Entries.PutAsync(disk, "https://example.com/unknown-past"));

        await using var node = await TestNode.StartAsync(
            GarnetHost.Shared.Configuration, Entries.Prefix(), o => WithCheckpoint(o, Path.Combine(_directory, "missing.position")), disk);

        Assert.Null(await disk.GetAsync("https://example.com/unknown-past"));
        Assert.Equal(1, node.Backplane.PurgeLogResets);
    }

    [Fact]
    public async Task Purge_whose_message_was_lost_is_applied_from_the_log_by_the_next_poll()
    {
        var prefix = Entries.Prefix();
        await using var node = await TestNode.StartAsync(
            GarnetHost.Shared.Configuration, prefix, o => new RedisTierOptions
            {
                Configuration = o.Configuration,
                KeyPrefix = o.KeyPrefix,
                OperationTimeout = o.OperationTimeout,
                ConnectTimeout = o.ConnectTimeout,
                PurgeLogPollInterval = TimeSpan.FromMilliseconds(100),
            });
        Assert.True(await Entries.PutAsync(node.Local, "https://example.com/red", "r", "red"));

        // Fault injection: another node's purge reaches the log, its message never reaches the channel.
        await using var raw = await ConnectionMultiplexer.ConnectAsync(GarnetHost.Shared.Configuration);
        var transaction = raw.GetDatabase().CreateTransaction();
        _ = transaction.HashIncrementAsync(prefix + "{purgelog}:head", "s");
        _ = transaction.ListRightPushAsync(prefix + "{purgelog}:entries", InvalidationMessage.Encode(Guid.NewGuid(), CacheInvalidation.ForPurge(new PurgeRequest(PurgeKind.Tag, "red"))));
        Assert.True(await transaction.ExecuteAsync());

        await BackplaneTests.WaitUntilAsync(async () => await node.Local.GetAsync("https://example.com/red") is null, TimeSpan.FromSeconds(20));
        Assert.Equal(1, node.Backplane.Applied);
        Assert.Equal(0, node.Backplane.PurgeLogResets);
    }

    private static RedisTierOptions WithCheckpoint(RedisTierOptions o, string path) => new()
    {
        Configuration = o.Configuration,
        KeyPrefix = o.KeyPrefix,
        OperationTimeout = o.OperationTimeout,
        ConnectTimeout = o.ConnectTimeout,
        PurgeLogCheckpointPath = path,
    };
}
