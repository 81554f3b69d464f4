using EdgeCache.Storage;

namespace EdgeCache.Tests.Storage;

/// <summary>The native blocks' allocator: its size classes, reuse of freed blocks, and slabs given back when empty.</summary>
public sealed class NativeBodyArenaTests
{
    [Theory]
    [InlineData(1, 16)]
    [InlineData(256, 256)]
    [InlineData(257, 288)]
    [InlineData(1000, 1024)]
    [InlineData(8193, 9216)]
    [InlineData(10_240, 10_240)]
    [InlineData(10_241, 11_264)]
    [InlineData(65_535, 65_536)]
    public void A_body_takes_the_smallest_block_of_its_class_at_most_an_eighth_larger(int length, int block)
    {
        Assert.Equal(block, NativeBodyArena.BlockSize(length));
        Assert.True(block - length <= Math.Max(15, length / 8));
    }

    [Fact]
    public void A_freed_block_is_reused_by_the_next_body_of_its_class_and_an_empty_slab_goes_back()
    {
        var arena = new NativeBodyArena();
        var first = arena.TryAllocate(10_000)!;
        var second = arena.TryAllocate(10_100)!;
        Assert.Equal(1, arena.Slabs);
        Assert.Equal(2 * 10_240, arena.UsedBytes);
        first.Writable.Fill(1);

        first.Release();
        var third = arena.TryAllocate(10_240)!;

        Assert.Same(first.Slab, third.Slab);
        Assert.Equal(first.Block, third.Block);
        Assert.False(first.TryAcquire());
        second.Release();
        third.Release();
        Assert.Equal(0, arena.Slabs);
        Assert.Equal(0, arena.SlabBytes);
        Assert.Equal(0, arena.UsedBytes);
    }

    [Fact]
    public void Bodies_of_different_classes_never_share_a_block()
    {
        var arena = new NativeBodyArena();
        var bodies = Enumerable.Range(1, 200).Select(i => arena.TryAllocate(i * 300)!).ToList();
        for (var i = 0; i < bodies.Count; i++)
        {
            bodies[i].Writable.Fill((byte)i);
        }

        for (var i = 0; i < bodies.Count; i++)
        {
            Assert.True(bodies[i].Bytes.Span.IndexOfAnyExcept((byte)i) < 0, $"body {i} was overwritten");
            bodies[i].Release();
        }

        Assert.Equal(0, arena.SlabBytes);
    }
}
