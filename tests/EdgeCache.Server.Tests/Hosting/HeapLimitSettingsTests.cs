using EdgeCache.Server.Hosting;
using EdgeCache.Server.Settings;

namespace EdgeCache.Server.Tests.Hosting;

/// <summary>
/// --heap-limit: off by default, derived from the budgets with auto, or a size no smaller than the derived one;
/// anything else is a start-up error naming the setting.
/// </summary>
public sealed class HeapLimitSettingsTests
{
    private const long MiB = 1L << 20;

    [Theory]
    // Memory tier 64 MB + two 16 MB collapse buffers (a quarter of the tier each) + 64 MB headroom.
    [InlineData("memory", "64MB", 160)]
    // The same plus the disk tier's 16 MB write-behind queue.
    [InlineData("tiered", "64MB", 176)]
    // No memory tier: the queue, two 64 MB collapse buffers (the cap; 1 GB / 4 is more), the headroom.
    [InlineData("disk", "1GB", 208)]
    // The default embedded store: 256 MB tier, 16 MB queue, two 64 MB buffers, 64 MB.
    [InlineData("tiered", "256MB", 464)]
    public void The_auto_limit_is_the_sum_of_the_budgets_plus_64MB(string store, string memorySize, long expectedMiB)
    {
        var settings = Valid(new ServerSettings { Origin = "http://127.0.0.1:9", Store = store, MemorySize = memorySize, HeapLimit = "auto" });

        Assert.Equal(expectedMiB * MiB, settings.HeapLimitBytes);
    }

    [Fact]
    public void Worker_engines_add_their_memory_limits_to_the_derived_limit()
    {
        var script = Path.GetTempFileName();
        try
        {
            var settings = Valid(new ServerSettings
            {
                Origin = "http://127.0.0.1:9",
                Store = "memory",
                MemorySize = "64MB",
                Worker = script,
                WorkerEngines = 2,
                WorkerMemoryLimit = "32MB",
                HeapLimit = "auto",
            });

            Assert.Equal((160 + 64) * MiB, settings.HeapLimitBytes);
        }
        finally
        {
            File.Delete(script);
        }
    }

    [Fact]
    public void By_default_no_limit_is_set()
    {
        var settings = Valid(new ServerSettings { Origin = "http://127.0.0.1:9" });

        Assert.Equal("off", settings.HeapLimit);
        Assert.Equal(0, settings.HeapLimitBytes);
        Assert.Equal(0, settings.InFlightBodyBytes);
    }

    [Theory]
    [InlineData("off", 0)]
    [InlineData("OFF", 0)]
    [InlineData("160MB", 160)]
    [InlineData("1GB", 1024)]
    public void Off_sets_none_and_a_size_at_or_above_the_derived_limit_is_taken_as_it_is(string value, long expectedMiB)
    {
        // The derived limit for a 64 MB memory store: 64 + 2 x 16 + 64 = 160 MB.
        var settings = Valid(new ServerSettings { Origin = "http://127.0.0.1:9", Store = "memory", MemorySize = "64MB", HeapLimit = value });

        Assert.Equal(expectedMiB * MiB, settings.HeapLimitBytes);
    }

    [Theory]
    [InlineData("159MB")]
    [InlineData("128MB")]
    [InlineData("lots")]
    [InlineData("")]
    public void A_limit_below_the_derived_one_or_not_a_size_is_a_startup_error_naming_the_setting(string value)
    {
        var settings = new ServerSettings { Origin = "http://127.0.0.1:9", Store = "memory", MemorySize = "64MB", HeapLimit = value };

        Assert.Contains(settings.Validate(), message => message.Contains("--heap-limit (EdgeCache:HeapLimit)", StringComparison.Ordinal));
    }

    [Fact]
    public void The_floor_says_what_it_is_made_of()
    {
        var settings = new ServerSettings { Origin = "http://127.0.0.1:9", Store = "tiered", MemorySize = "64MB", HeapLimit = "150MB" };

        var message = Assert.Single(settings.Validate());
        Assert.Contains($"at least {GcHeapLimit.Floor(settings) >> 20}MB", message, StringComparison.Ordinal);
        Assert.Equal(176 * MiB, GcHeapLimit.Floor(settings));
    }

    private static ServerSettings Valid(ServerSettings settings)
    {
        Assert.Empty(settings.Validate());
        return settings;
    }
}
