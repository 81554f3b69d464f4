using EdgeCache.Testing;

namespace EdgeCache.Server.Tests.Hosting;

/// <summary>
/// The server reads its JSON settings once: it holds no file watcher on its working directory, whose tree (the
/// default data directory among it) would otherwise cost one inotify watch per directory and an event per file written.
/// </summary>
public sealed class ConfigurationWatchTests
{
    [Fact]
    public async Task Server_started_in_a_directory_tree_watches_none_of_it()
    {
        Assert.True(Directory.GetDirectories(AppContext.BaseDirectory).Length > 0, "the server's working directory (the test output) should have subdirectories to watch");
        await using var origin = await TestOrigin.StartAsync();
        await using var server = await ServerProcess.StartAsync(["--origin", origin.BaseUri.ToString(), "--store", "memory"]);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await client.GetAsync(new Uri(server.BaseUri, "/a"));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);

        Assert.Equal(0, InotifyWatches(server.Pid));
    }

    /// <summary>The inotify watches the process holds, from /proc (Linux): one "inotify wd:" line per watch in an inotify descriptor's fdinfo.</summary>
    private static int InotifyWatches(int pid)
    {
        var watches = 0;
        foreach (var fd in Directory.GetFiles($"/proc/{pid}/fd"))
        {
            if (new FileInfo(fd).LinkTarget == "anon_inode:inotify")
            {
                watches += File.ReadLines($"/proc/{pid}/fdinfo/{Path.GetFileName(fd)}").Count(l => l.StartsWith("inotify", StringComparison.Ordinal));
            }
        }

        return watches;
    }
}
