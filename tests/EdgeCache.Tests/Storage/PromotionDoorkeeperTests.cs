using EdgeCache.Storage;

namespace EdgeCache.Tests.Storage;

/// <summary>The tiered store's admission filter: a key passes on its second recording within a window.</summary>
public sealed class PromotionDoorkeeperTests
{
    [Fact]
    public void A_key_is_unseen_at_its_first_recording_and_seen_at_its_second()
    {
        var doorkeeper = new PromotionDoorkeeper(() => 1000);

        Assert.False(doorkeeper.RecordAndCheck("https://example.com/a"));
        Assert.True(doorkeeper.RecordAndCheck("https://example.com/a"));
        Assert.True(doorkeeper.RecordAndCheck("https://example.com/a"));
    }

    [Fact]
    public void Other_keys_recorded_do_not_make_a_key_seen()
    {
        var doorkeeper = new PromotionDoorkeeper(() => 1000);
        for (var i = 0; i < 100; i++)
        {
            Assert.False(doorkeeper.RecordAndCheck($"https://example.com/other/{i}"));
        }

        Assert.False(doorkeeper.RecordAndCheck("https://example.com/a"));
    }

    [Fact]
    public void A_key_recorded_again_within_the_window_is_seen_and_after_it_is_not()
    {
        var doorkeeper = new PromotionDoorkeeper(() => 300);
        Assert.Equal(300, doorkeeper.Window);
        Assert.False(doorkeeper.RecordAndCheck("https://example.com/a"));
        RecordOthers(doorkeeper, 297);

        // The 299th recording: still in the window.
        Assert.True(doorkeeper.RecordAndCheck("https://example.com/a"));

        // The 300th ends the window and clears the filter.
        Assert.False(doorkeeper.RecordAndCheck("https://example.com/b"));
        Assert.False(doorkeeper.RecordAndCheck("https://example.com/a"));
    }

    [Fact]
    public void The_window_follows_its_target_at_each_clear_within_its_bounds()
    {
        var target = 0;
        var doorkeeper = new PromotionDoorkeeper(() => target, bits: 1 << 14);
        Assert.Equal(PromotionDoorkeeper.MinWindow, doorkeeper.Window);

        target = 1_000_000;
        Assert.Equal(PromotionDoorkeeper.MinWindow, doorkeeper.Window); // until the window ends
        RecordOthers(doorkeeper, PromotionDoorkeeper.MinWindow);
        Assert.Equal((1 << 14) / 8, doorkeeper.Window);

        target = 700;
        RecordOthers(doorkeeper, (1 << 14) / 8);
        Assert.Equal(700, doorkeeper.Window);
    }

    [Fact]
    public void Keys_recorded_at_once_from_many_threads_are_all_seen_afterwards()
    {
        var doorkeeper = new PromotionDoorkeeper(() => 100_000, bits: 1 << 20);
        var keys = Enumerable.Range(0, 20_000).Select(i => $"https://example.com/k/{i}").ToArray();

        Parallel.ForEach(keys, new ParallelOptions { MaxDegreeOfParallelism = 4 }, key => doorkeeper.RecordAndCheck(key));

        Assert.All(keys, key => Assert.True(doorkeeper.RecordAndCheck(key)));
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(1024)]
    [InlineData(3 << 12)]
    public void A_bit_count_that_is_not_a_power_of_two_of_at_least_2048_is_refused(int bits)
        => Assert.Throws<ArgumentOutOfRangeException>(() => new PromotionDoorkeeper(() => 0, bits));

    private static void RecordOthers(PromotionDoorkeeper doorkeeper, int count)
    {
        for (var i = 0; i < count; i++)
        {
            doorkeeper.RecordAndCheck($"https://example.com/other/{i}");
        }
    }
}
