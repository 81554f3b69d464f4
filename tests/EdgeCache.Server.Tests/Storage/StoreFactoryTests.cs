using EdgeCache.Server.Hosting;
using EdgeCache.Server.Settings;
using EdgeCache.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCache.Server.Tests.Storage;

public sealed class StoreFactoryTests
{
    [Theory]
    [InlineData("memory", typeof(MemoryStore))]
    [InlineData("disk", typeof(DiskStore))]
    [InlineData("tiered", typeof(TieredStore))]
    public async Task Store_flag_selects_the_tier_and_sizes_apply(string store, Type expected)
    {
        using var directory = new StorageDirectory();
        var settings = Settings(store, Path.Combine(directory.Path, "nested", "data"));
        await using var services = new ServiceCollection().AddLogging().BuildServiceProvider();

        await using var created = StoreFactory.Create(settings, services);

        // Every store is purge-fenced: the tiered store fences itself, the others are wrapped.
        Assert.IsAssignableFrom<IPurgeFencedStore>(created);
        Assert.IsType(expected, created is PurgeFencedStore fenced ? fenced.Inner : created);
        var capacity = created.GetStatistics().CapacityBytes;
        Assert.Equal(store == "memory" ? 64L * 1024 * 1024 : 2L * 1024 * 1024 * 1024, capacity);
        Assert.Equal(store != "memory", Directory.Exists(Path.Combine(directory.Path, "nested", "data", "bodies")));
    }

    [Fact]
    public void MemoryFileThreshold_defaults_to_128KB_in_the_server_and_in_the_library()
    {
        var settings = new ServerSettings { Origin = "http://127.0.0.1:9" };

        Assert.Empty(settings.Validate());
        Assert.Equal(128L * 1024, settings.MemoryFileThresholdBytes);
        Assert.Equal(128L * 1024, new MemoryStoreOptions().FileBodyThreshold);
    }

    [Theory]
    [InlineData("64KB", 64L * 1024)]
    [InlineData("1MB", 1024L * 1024)]
    [InlineData("4KB", 4096L)]
    [InlineData("0", 0L)]
    [InlineData("off", 0L)]
    [InlineData("OFF", 0L)]
    public void MemoryFileThreshold_is_a_size_or_off(string value, long expected)
    {
        var settings = new ServerSettings { Origin = "http://127.0.0.1:9", MemoryFileThreshold = value };

        Assert.Empty(settings.Validate());
        Assert.Equal(expected, settings.MemoryFileThresholdBytes);
    }

    [Theory]
    [InlineData("1KB")]
    [InlineData("4095")]
    [InlineData("big")]
    public void A_MemoryFileThreshold_that_is_not_off_nor_at_least_4KB_is_a_startup_error_naming_the_setting(string value)
    {
        var settings = new ServerSettings { Origin = "http://127.0.0.1:9", MemoryFileThreshold = value };

        Assert.Contains(settings.Validate(), message => message.Contains("EdgeCache:MemoryFileThreshold", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("16MB", 16L * 1024 * 1024)]
    [InlineData("1MB", 1024L * 1024)]
    [InlineData("1GB", 1024L * 1024 * 1024)]
    public void DiskWriteQueueSize_is_a_size_from_1MB_to_1GB(string value, long expected)
    {
        var settings = new ServerSettings { Origin = "http://127.0.0.1:9", DiskWriteQueueSize = value };

        Assert.Empty(settings.Validate());
        Assert.Equal(expected, settings.DiskWriteQueueBytes);
    }

    [Theory]
    [InlineData("1023KB")]
    [InlineData("1.5GB")]
    [InlineData("lots")]
    public void A_DiskWriteQueueSize_outside_1MB_to_1GB_is_a_startup_error_naming_the_setting(string value)
    {
        var settings = new ServerSettings { Origin = "http://127.0.0.1:9", DiskWriteQueueSize = value };

        Assert.Contains(settings.Validate(), message => message.Contains("EdgeCache:DiskWriteQueueSize", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, PromotionPolicy.SecondHit)]
    [InlineData("second-hit", PromotionPolicy.SecondHit)]
    [InlineData("first-hit", PromotionPolicy.FirstHit)]
    public async Task TieredPromotion_reaches_the_tiered_store_and_defaults_to_the_second_hit(string? value, PromotionPolicy expected)
    {
        using var directory = new StorageDirectory();
        var settings = Settings("tiered", directory.Path);
        if (value is not null)
        {
            settings.TieredPromotion = value;
            Assert.Empty(settings.Validate());
        }

        await using var services = new ServiceCollection().AddLogging().BuildServiceProvider();
        await using var created = StoreFactory.Create(settings, services);
        await using var warmUp = StoreFactory.CreateWarmUpStore(settings, Path.Combine(directory.Path, "warm-up"), 4L * 1024 * 1024, services);

        Assert.Equal(expected, Assert.IsType<TieredStore>(created).Promotion);
        Assert.Equal(expected, Assert.IsType<TieredStore>(warmUp).Promotion);
    }

    [Theory]
    [InlineData("SecondHit")]
    [InlineData("always")]
    [InlineData("")]
    public void A_TieredPromotion_other_than_second_hit_or_first_hit_is_a_startup_error_naming_the_setting(string value)
    {
        var settings = new ServerSettings { Origin = "http://127.0.0.1:9", TieredPromotion = value };

        Assert.Contains(settings.Validate(), message => message.Contains("EdgeCache:TieredPromotion", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_memory_tier_gets_the_file_threshold_from_the_settings()
    {
        var settings = new ServerSettings { Origin = "http://127.0.0.1:9", Store = "memory", MemoryFileThreshold = "off" };
        Assert.Empty(settings.Validate());
        await using var services = new ServiceCollection().AddLogging().BuildServiceProvider();
        await using var created = StoreFactory.Create(settings, services);
        var memory = Assert.IsType<MemoryStore>(Assert.IsType<PurgeFencedStore>(created).Inner);
        await PutAsync(memory, "k", 100_000);

        Assert.True((await memory.GetAsync("k"))!.TryGetMemory(out _));
        Assert.Equal(0, memory.BodyFiles);
    }

    [Theory]
    [InlineData("memory", "auto", 8L * 1024 * 1024)]
    [InlineData("tiered", "auto", 64L * 1024)]
    [InlineData("tiered", "32MB", 32L * 1024 * 1024)]
    [InlineData("memory", "1MB", 1024L * 1024)]
    public async Task The_memory_tier_keeps_bodies_up_to_its_object_limit_and_over_disk_auto_is_64KB(string store, string limit, long expected)
    {
        using var directory = new StorageDirectory();
        var settings = Settings(store, directory.Path);
        settings.MemoryMaxObjectSize = limit;
        Assert.Empty(settings.Validate());
        await using var services = new ServiceCollection().AddLogging().BuildServiceProvider();
        await using var created = StoreFactory.Create(settings, services);

        var memory = created is TieredStore tiered ? tiered.Memory : Assert.IsType<MemoryStore>(Assert.IsType<PurgeFencedStore>(created).Inner);

        Assert.Equal(expected, memory.MaxObjectSize);
    }

    [Theory]
    [InlineData(4096, 1)]
    [InlineData(0, 0)]
    public async Task DiskLookupCacheSize_reaches_the_disk_tier_and_zero_keeps_no_hit(int size, int kept)
    {
        using var directory = new StorageDirectory();
        var settings = Settings("disk", directory.Path);
        settings.DiskLookupCacheSize = size;
        Assert.Empty(settings.Validate());
        await using var services = new ServiceCollection().AddLogging().BuildServiceProvider();
        await using var created = StoreFactory.Create(settings, services);
        var disk = Assert.IsType<DiskStore>(Assert.IsType<PurgeFencedStore>(created).Inner);
        await PutAsync(disk, "k", 100_000);
        await disk.FlushAsync();

        Assert.NotNull(await disk.GetAsync("k"));
        Assert.NotNull(await disk.GetAsync("k"));
        Assert.Equal(kept, disk.LookupCacheCount);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(DiskStoreOptions.MaxLookupCacheSize + 1)]
    public void A_DiskLookupCacheSize_outside_0_to_a_million_is_a_startup_error_naming_the_setting(int value)
    {
        var settings = new ServerSettings { Origin = "http://127.0.0.1:9", DiskLookupCacheSize = value };

        Assert.Contains(settings.Validate(), message => message.Contains("EdgeCache:DiskLookupCacheSize", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("65MB")]
    [InlineData("huge")]
    public void A_MemoryMaxObjectSize_over_the_memory_size_or_not_a_size_is_a_startup_error_naming_the_setting(string value)
    {
        var settings = new ServerSettings { Origin = "http://127.0.0.1:9", MemorySize = "64MB", MemoryMaxObjectSize = value };

        Assert.Contains(settings.Validate(), message => message.Contains("EdgeCache:MemoryMaxObjectSize", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Data_directory_that_cannot_be_created_is_a_startup_error_naming_the_flag()
    {
        using var directory = new StorageDirectory();
        Directory.CreateDirectory(directory.Path);
        var blocker = Path.Combine(directory.Path, "a-file");
        await File.WriteAllTextAsync(blocker, "x");
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await ServerCommand.RunAsync(
            ["--origin", "http://127.0.0.1:9", "--listen", $"http://127.0.0.1:{ServerProcess.FreePort()}", "--store", "disk", "--data-dir", Path.Combine(blocker, "data")],
            output,
            error);

        Assert.Equal(ServerCommand.UsageError, code);
        Assert.Contains("--data-dir", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("a-file", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Stores <paramref name="length"/> zero bytes under <paramref name="key"/>, fresh for an hour.</summary>
    private static async Task PutAsync(ICacheStore store, string key, int length)
    {
        var writer = (await store.BeginWriteAsync(new EntryMetadata
        {
            Key = key, Url = $"https://example.com/{key}", Host = "example.com", StatusCode = 200, Headers = [],
            RequestTime = DateTimeOffset.UtcNow, ResponseTime = DateTimeOffset.UtcNow, FreshnessLifetime = TimeSpan.FromHours(1),
            ExpiresAt = DateTimeOffset.UtcNow.AddHours(1), Tags = [], BodyLength = length,
        }))!;
        Assert.True(await writer.WriteAsync(new byte[length]));
        Assert.True(await writer.CommitAsync());
        await writer.DisposeAsync();
    }

    private static ServerSettings Settings(string store, string dataDirectory)
    {
        var settings = new ServerSettings
        {
            Origin = "http://127.0.0.1:9",
            Store = store,
            MemorySize = "64MB",
            DiskSize = "2GB",
            DataDir = dataDirectory,
        };
        Assert.Empty(settings.Validate());
        return settings;
    }
}
