using System.Net;
using EdgeCache.Server.Hosting;
using EdgeCache.Storage;
using EdgeCache.Testing;

namespace EdgeCache.Server.Tests.Hosting;

/// <summary>
/// The start-up warm-up (<c>EdgeCache:WarmUp</c>) on a real server in front of a real origin: it runs its misses
/// through its own loopback origin and store before the listener opens, so the configured origin sees nothing of it
/// and the server's store holds nothing of it; the first real request is an ordinary miss.
/// </summary>
public sealed class MissPathWarmUpTests
{
    [Fact]
    public async Task The_warm_up_misses_go_to_its_own_origin_and_store_and_never_to_the_configured_ones()
    {
        await using var origin = await TestOrigin.StartAsync();
        await using var server = await InProcessServer.StartAsync(new Dictionary<string, string?>
        {
            ["Origin"] = origin.BaseUri.ToString(),
            ["WarmUp"] = "00:00:01",
        });

        var warmUp = server.App.Services.GetRequiredService<MissPathWarmUp>();
        Assert.True(warmUp.Requests > 0, "the warm-up answered no request");
        Assert.Null(warmUp.StoreDirectory); // a memory store's warm-up touches no directory
        Assert.Empty(origin.Requests);
        Assert.Equal(0, server.App.Services.GetRequiredService<ICacheStore>().GetStatistics().Entries);

        // The warm-up's own path, asked of the real server, is an ordinary miss to the configured origin.
        using var response = await server.Client.GetAsync("/warm-up/body?n=1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("fwd=uri-miss", response.Headers.GetValues("Cache-Status").Single(), StringComparison.Ordinal);
        Assert.Single(origin.Requests);
    }

    [Theory]
    [InlineData("tiered")]
    [InlineData("disk")]
    public async Task A_disk_backed_warm_up_writes_only_to_a_temporary_directory_of_its_own_and_removes_it(string store)
    {
        await using var origin = await TestOrigin.StartAsync();
        var dataDir = Directory.CreateTempSubdirectory("edgecache-warm-up-test-").FullName;
        try
        {
            var server = await InProcessServer.StartAsync(new Dictionary<string, string?>
            {
                ["Origin"] = origin.BaseUri.ToString(),
                ["Store"] = store,
                ["DataDir"] = dataDir,
                ["WarmUp"] = "00:00:01",
            });
            await using (server)
            {
                var warmUp = server.App.Services.GetRequiredService<MissPathWarmUp>();
                Assert.True(warmUp.Requests > 0, "the warm-up answered no request");
                Assert.NotNull(warmUp.StoreDirectory);
                Assert.False(Directory.Exists(warmUp.StoreDirectory), "the warm-up left its store directory behind: " + warmUp.StoreDirectory);
                Assert.False(
                    Path.GetFullPath(warmUp.StoreDirectory).StartsWith(dataDir, StringComparison.Ordinal),
                    "the warm-up's store was under the configured data directory");
                Assert.Empty(origin.Requests);
                Assert.Equal(0, server.App.Services.GetRequiredService<ICacheStore>().GetStatistics().Entries);

                // The configured store is whole and empty: the first request of a warm-up key is a miss to the real origin, then a hit.
                using var first = await server.Client.GetAsync("/warm-up/body?n=2");
                Assert.Contains("fwd=uri-miss", first.Headers.GetValues("Cache-Status").Single(), StringComparison.Ordinal);
                await server.DrainAsync();
                using var second = await server.Client.GetAsync("/warm-up/body?n=2");
                Assert.Contains("hit", second.Headers.GetValues("Cache-Status").Single(), StringComparison.Ordinal);
                Assert.Single(origin.Requests);
            }
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task With_the_warm_up_off_no_warm_up_service_runs()
    {
        await using var origin = await TestOrigin.StartAsync();
        await using var server = await InProcessServer.StartAsync(new Dictionary<string, string?>
        {
            ["Origin"] = origin.BaseUri.ToString(),
            ["WarmUp"] = "00:00:00",
        });

        Assert.Null(server.App.Services.GetService<MissPathWarmUp>());
        using var response = await server.Client.GetAsync("/a");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_stop_during_the_warm_up_exits_cleanly_and_sends_nothing_to_the_origin()
    {
        await using var origin = await TestOrigin.StartAsync();
        await using var server = await ServerProcess.StartAsync(
            ["--origin", origin.BaseUri.ToString(), "--store", "memory"],
            environment: new Dictionary<string, string> { ["EdgeCache__WarmUp"] = "00:01:00" },
            waitUntilListening: false);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (!server.Output.Contains("[507]", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "the warm-up never started:\n" + server.Output);
            await Task.Delay(50);
        }

        var exitCode = await server.TerminateAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, exitCode);
        Assert.Empty(origin.Requests);
    }

    [Theory]
    [InlineData("-00:00:01")]
    [InlineData("00:01:01")]
    public void A_warm_up_below_zero_or_above_a_minute_is_refused(string value)
    {
        var settings = new EdgeCache.Server.Settings.ServerSettings { Origin = "http://127.0.0.1:1", WarmUp = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture) };

        Assert.Contains(settings.Validate(), e => e.Contains("EdgeCache:WarmUp", StringComparison.Ordinal));
    }
}
