namespace EdgeCache.Redis.Tests;

/// <summary>The reconnect rule, on a Garnet server of its own that the test stops and restarts.</summary>
[Collection(ServerLifecycleCollection.Name)]
public sealed class ReconnectTests
{
    [Fact]
    public async Task Node_that_reconnects_after_losing_redis_marks_every_local_entry_stale()
    {
        using var garnet = GarnetHost.Start();
        await using var node = await TestNode.StartAsync(garnet.Configuration, Entries.Prefix());
        Assert.True(await Entries.PutAsync(node.Local, "https://example.com/kept"));

        garnet.Stop();
        await BackplaneTests.WaitUntilAsync(() => Task.FromResult(!node.Connection.Multiplexer!.IsConnected), TimeSpan.FromSeconds(20));
        Assert.False((await node.Local.GetAsync("https://example.com/kept"))!.Metadata.Invalidated);

        garnet.Resume();
        await BackplaneTests.WaitUntilAsync(() => Task.FromResult(node.Backplane.ReconnectPurges > 0 && node.Backplane.Applied > 0), TimeSpan.FromSeconds(30));

        var entry = await node.Local.GetAsync("https://example.com/kept");
        Assert.NotNull(entry);
        Assert.True(entry.Metadata.Invalidated);
    }
}
