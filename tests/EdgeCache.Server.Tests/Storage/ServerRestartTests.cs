using EdgeCache.Testing;

namespace EdgeCache.Server.Tests.Storage;

/// <summary>The server keeps its disk tier across a SIGKILL and a restart.</summary>
public sealed class ServerRestartTests
{
    [Theory]
    [InlineData("disk")]
    [InlineData("tiered")]
    public async Task Entry_cached_before_a_kill_is_served_as_a_hit_after_the_restart_without_contacting_the_origin(string store)
    {
        await using var origin = await TestOrigin.StartAsync();
        using var directory = new StorageDirectory();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        await using (var first = await ServerProcess.StartAsync(origin.BaseUri, directory.Path, store))
        {
            using var miss = await client.GetAsync(new Uri(first.BaseUri, "/a"));
            Assert.Equal("/a v1", await miss.Content.ReadAsStringAsync());
            await directory.WaitForEntriesAsync(1, TimeSpan.FromSeconds(20));
            first.Kill(); // SIGKILL
        }

        Assert.Equal(1, origin.Hits("/a"));

        await using var second = await ServerProcess.StartAsync(origin.BaseUri, directory.Path, store);
        using var hit = await client.GetAsync(new Uri(second.BaseUri, "/a"));

        Assert.Equal(System.Net.HttpStatusCode.OK, hit.StatusCode);
        Assert.Equal("HIT", string.Join(",", hit.Headers.GetValues("cf-cache-status")));
        Assert.Equal("/a v1", await hit.Content.ReadAsStringAsync());
        Assert.Equal(1, origin.Hits("/a"));
    }
}
