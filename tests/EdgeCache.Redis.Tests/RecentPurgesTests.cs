using EdgeCache.Storage;

namespace EdgeCache.Redis.Tests;

/// <summary>
/// A Redis entry carries its writer's purge-log position: one written from before a purge that selects it (a fill in
/// flight on a node that had not heard of the purge yet, committed to Redis after the purge deleted the old copy there)
/// is not served by any node that knows the purge.
/// </summary>
[Collection(ServerLifecycleCollection.Name)]
public sealed class RecentPurgesTests
{
    [Fact]
    public async Task A_redis_entry_written_from_before_a_purge_that_selects_it_is_not_served()
    {
        var prefix = Entries.Prefix();
        await using var a = await TestNode.StartAsync(GarnetHost.Shared.Configuration, prefix);
        await using var b = await TestNode.StartAsync(GarnetHost.Shared.Configuration, prefix);
        var red = Entries.Metadata("https://example.com/red", null, "red") with { BodyLength = 3 };
        var green = Entries.Metadata("https://example.com/green", null, "green") with { BodyLength = 3 };

        // B's fills began before the purge (their writes record B's position then) and reach Redis after it.
        await using var redWriter = await b.Store.BeginWriteAsync(red);
        await using var greenWriter = await b.Store.BeginWriteAsync(green);
        Assert.NotNull(redWriter);
        Assert.NotNull(greenWriter);
        await a.Store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "red"));
        Assert.True(await redWriter.WriteAsync("old"u8.ToArray()) && await redWriter.CommitAsync());
        Assert.True(await greenWriter.WriteAsync("new"u8.ToArray()) && await greenWriter.CommitAsync());

        Assert.Null(await a.Store.GetAsync(red.Key));
        Assert.Null(await b.Store.GetAsync(red.Key));
        Assert.NotNull(await a.Store.GetAsync(green.Key));

        // Written from after the purge: served.
        Assert.True(await Entries.PutAsync(b.Store, red, "new"u8.ToArray()));
        Assert.Equal("new", await Entries.BodyAsync(a.Store, red.Key));
    }
}
