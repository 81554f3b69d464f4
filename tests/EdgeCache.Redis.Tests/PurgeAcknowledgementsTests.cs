using EdgeCache.Storage;
using StackExchange.Redis;

namespace EdgeCache.Redis.Tests;

/// <summary>A purge answers once every live node has applied it, so a request that starts after the answer finds it applied on every node.</summary>
[Collection(ServerLifecycleCollection.Name)]
public sealed class PurgeAcknowledgementsTests
{
    [Fact]
    public async Task A_purge_answers_only_after_the_other_nodes_have_applied_it()
    {
        var prefix = Entries.Prefix();
        await using var a = await TestNode.StartAsync(GarnetHost.Shared.Configuration, prefix, o => WithAckTimeout(o, TimeSpan.FromSeconds(60)));
        var slow = new GatedPurgeStore(new MemoryStore());
        await using var bTier = new RedisTier(WithAckTimeout(new RedisTierOptions
        {
            Configuration = GarnetHost.Shared.Configuration,
            KeyPrefix = prefix,
            OperationTimeout = TimeSpan.FromSeconds(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        }, TimeSpan.FromSeconds(60)));
        Assert.True(await bTier.Connection.WaitForConnectionAsync(TimeSpan.FromSeconds(10)));
        bTier.Backplane.Start(slow);
        Assert.True(await bTier.Backplane.WaitUntilSubscribedAsync(TimeSpan.FromSeconds(10)));
        Assert.True(await Entries.PutAsync(slow.Inner, "https://example.com/red", "r", "red"));

        // B has reported its position (its heartbeat) before the purge, so A knows to wait for it.
        await using var raw = await ConnectionMultiplexer.ConnectAsync(GarnetHost.Shared.Configuration);
        await BackplaneTests.WaitUntilAsync(async () => await raw.GetDatabase().HashLengthAsync(prefix + "{purgelog}:nodes") >= 2, TimeSpan.FromSeconds(10));

        var purge = a.Store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "red")).AsTask();
        await slow.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // B's purge is held; the gate opens when A answers or after a second, whichever is first (B still counts as live:
        // a node stuck for longer stops reporting, and its lease stops it serving). Either way B must be done first.
        await Task.WhenAny(purge, Task.Delay(TimeSpan.FromSeconds(1)));
        var answeredWhileHeld = purge.IsCompleted;
        slow.Release();
        await purge.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(answeredWhileHeld, "the purge answered while another node had not applied it");
        Assert.Null(await slow.Inner.GetAsync("https://example.com/red"));
    }

    [Fact]
    public async Task A_node_that_stops_cleanly_withdraws_its_position_so_purges_do_not_wait_for_it()
    {
        var prefix = Entries.Prefix();
        await using var raw = await ConnectionMultiplexer.ConnectAsync(GarnetHost.Shared.Configuration);
        var nodes = prefix + "{purgelog}:nodes";
        var b = await TestNode.StartAsync(GarnetHost.Shared.Configuration, prefix);
        await BackplaneTests.WaitUntilAsync(async () => await raw.GetDatabase().HashExistsAsync(nodes, b.Connection.NodeId.ToByteArray()), TimeSpan.FromSeconds(10));

        await b.DisposeAsync();

        Assert.False(await raw.GetDatabase().HashExistsAsync(nodes, b.Connection.NodeId.ToByteArray()));
    }

    private static RedisTierOptions WithAckTimeout(RedisTierOptions o, TimeSpan timeout) => new()
    {
        Configuration = o.Configuration,
        KeyPrefix = o.KeyPrefix,
        OperationTimeout = o.OperationTimeout,
        ConnectTimeout = o.ConnectTimeout,
        PurgeAckTimeout = timeout,
    };

    /// <summary>Fault injection: a local tier whose purges wait until the test lets them through (a slow disk).</summary>
    private sealed class GatedPurgeStore(MemoryStore inner) : ICacheStore
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public MemoryStore Inner => inner;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => inner.Name;

        public void Release() => _gate.TrySetResult();

        public ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

        public ValueTask<ICacheEntryWriter?> BeginWriteAsync(EntryMetadata metadata, CancellationToken cancellationToken = default) => inner.BeginWriteAsync(metadata, cancellationToken);

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        public async ValueTask<long> PurgeAsync(PurgeRequest purge, CancellationToken cancellationToken = default)
        {
            Entered.TrySetResult();
            await _gate.Task.WaitAsync(cancellationToken);
            return await inner.PurgeAsync(purge, cancellationToken);
        }

        public StoreStatistics GetStatistics() => inner.GetStatistics();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
