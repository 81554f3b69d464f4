using System.Text.Json;
using EdgeCache.Redis.Tests;
using EdgeCache.Testing;

namespace EdgeCache.Server.Tests.Status;

/// <summary>The status report (and so the status page's store table) has one row per tier, Redis included.</summary>
public sealed class StoreTierRowsTests
{
    [Fact]
    public async Task A_tiered_store_with_redis_reports_memory_disk_and_redis_rows()
    {
        using var garnet = GarnetHost.Start();
        await using var origin = await TestOrigin.StartAsync();
        var data = Path.Combine(Path.GetTempPath(), "edgecache-tier-rows-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var server = await InProcessServer.StartAsync(new Dictionary<string, string?>
            {
                ["Origin"] = origin.BaseUri.ToString(),
                ["Store"] = "tiered",
                ["DataDir"] = data,
                ["Redis"] = garnet.Configuration,
            });
            (await server.Client.GetAsync("/row")).EnsureSuccessStatusCode();

            using var admin = new HttpClient { BaseAddress = server.AdminUri };
            using var report = JsonDocument.Parse(await admin.GetStringAsync("/status.json"));
            var names = report.RootElement.GetProperty("tiers").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToArray();

            Assert.Equal(new[] { "memory", "disk", "redis" }, names);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
