using System.Text.Json;

namespace EdgeCache.Server.Tests;

/// <summary>
/// The garbage collector and thread-pool settings the server ships with (its runtimeconfig.json, from the project's properties):
/// the figures in docs/performance.md were measured with these.
/// </summary>
public sealed class RuntimeSettingsTests
{
    [Fact]
    public void The_server_runs_workstation_concurrent_GC_that_compacts_early()
    {
        var properties = ConfigProperties();

        Assert.False(properties.GetProperty("System.GC.Server").GetBoolean());
        Assert.True(properties.GetProperty("System.GC.Concurrent").GetBoolean());
        Assert.Equal("9", properties.GetProperty("System.GC.ConserveMemory").ToString());
    }

    [Fact]
    public void The_server_thread_pool_does_not_spin_before_a_worker_sleeps()
    {
        var properties = ConfigProperties();

        Assert.Equal(0, properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
    }

    /// <summary>The <c>configProperties</c> of the server's runtimeconfig.json, as built beside the tests.</summary>
    private static JsonElement ConfigProperties()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "EdgeCache.Server.runtimeconfig.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }
}
