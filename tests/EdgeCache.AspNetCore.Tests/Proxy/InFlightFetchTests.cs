using EdgeCache.AspNetCore.Proxy;

namespace EdgeCache.AspNetCore.Tests.Proxy;

/// <summary>The fetch's holds on its buffer: its pooled segments go back only once nobody can read them.</summary>
public sealed class InFlightFetchTests
{
    [Fact]
    public async Task The_buffer_is_recycled_only_once_the_fill_the_leader_and_every_follower_let_go()
    {
        var fetch = new InFlightFetch("k", null, 0);
        var joined = fetch.TryJoin(out _);
        var buffer = new GrowingBuffer(4);
        fetch.Publish(new FetchOutcome { Kind = FetchOutcomeKind.Shared, Buffer = buffer, DeclaredLength = 4 });
        buffer.Append("abcd"u8);
        buffer.Complete();

        fetch.Release(); // the fill
        fetch.Release(); // the leader
        var wholeWhileFollowerHolds = buffer.IsWhole;
        var read = new MemoryStream();
        await buffer.CopyToAsync(read, 0, -1, CancellationToken.None);
        var heldAgain = fetch.TryHold();
        fetch.Release();
        fetch.Release(); // the follower

        Assert.True(joined);
        Assert.True(wholeWhileFollowerHolds);
        Assert.True(heldAgain);
        Assert.Equal("abcd"u8.ToArray(), read.ToArray());
        Assert.False(buffer.IsWhole);
        Assert.False(fetch.TryJoin(out _));
        Assert.False(fetch.TryHold());
        await Assert.ThrowsAsync<IOException>(() => buffer.CopyToAsync(new MemoryStream(), 0, -1, CancellationToken.None));
    }

    [Fact]
    public void A_hold_never_let_go_keeps_the_buffer_readable()
    {
        var fetch = new InFlightFetch("k", null, 0);
        var buffer = new GrowingBuffer(4);
        fetch.Publish(new FetchOutcome { Kind = FetchOutcomeKind.Shared, Buffer = buffer, DeclaredLength = 4 });
        buffer.Append("abcd"u8);
        fetch.Release(); // the fill; the leader (a background revalidation's, say) never serves it

        Assert.True(buffer.IsWhole);
        Assert.True(fetch.TryJoin(out _));
    }

    [Fact]
    public void Releasing_more_often_than_held_throws()
    {
        var fetch = new InFlightFetch("k", null, 0);
        fetch.Release();
        fetch.Release();

        Assert.Throws<InvalidOperationException>(fetch.Release);
    }
}
