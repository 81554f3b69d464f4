using System.Net;
using EdgeCache.Testing;

namespace EdgeCache.Server.Tests;

/// <summary>
/// docs/configuration.md: "command line > environment > files", and every setting has three forms.
/// The edgecache command runs as a child process, so the environment and the working directory are real.
/// </summary>
public sealed class SettingsPrecedenceTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "edgecache-settings-" + Guid.NewGuid().ToString("N"));
    private TestOrigin _origin = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _origin = await TestOrigin.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _origin.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task An_environment_variable_beats_the_config_file()
    {
        // The file names an origin nobody listens on; the environment names the real one.
        var file = WriteConfig("""{"EdgeCache": {"Origin": "http://127.0.0.1:1", "Store": "memory"}}""");
        await using var server = await ServerProcess.StartAsync(
            ["--config", file], environment: new Dictionary<string, string> { ["EDGECACHE__ORIGIN"] = _origin.BaseUri.ToString() });
        using var client = new HttpClient();
        using var response = await client.GetAsync(new Uri(server.BaseUri, "/from-env"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/from-env v1", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_flag_beats_the_environment()
    {
        await using var server = await ServerProcess.StartAsync(
            ["--origin", _origin.BaseUri.ToString(), "--store", "memory"],
            environment: new Dictionary<string, string> { ["EDGECACHE__ORIGIN"] = "http://127.0.0.1:1" });
        using var client = new HttpClient();
        using var response = await client.GetAsync(new Uri(server.BaseUri, "/from-flag"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AccessLog_from_the_environment_is_not_overwritten_by_the_absent_flag()
    {
        await using var server = await ServerProcess.StartAsync(
            ["--origin", _origin.BaseUri.ToString(), "--store", "memory"],
            environment: new Dictionary<string, string> { ["EDGECACHE__ACCESSLOG"] = "true" });
        await AssertAccessLogLineAsync(server, "/logged-by-env");
    }

    [Fact]
    public async Task AccessLog_from_the_config_file_is_not_overwritten_by_the_absent_flag()
    {
        var file = WriteConfig($$$"""{"EdgeCache": {"Origin": "{{{_origin.BaseUri}}}", "Store": "memory", "AccessLog": true}}""");
        await using var server = await ServerProcess.StartAsync(["--config", file]);
        await AssertAccessLogLineAsync(server, "/logged-by-file");
    }

    [Fact]
    public async Task AccessLog_flag_still_turns_it_on()
    {
        await using var server = await ServerProcess.StartAsync(["--origin", _origin.BaseUri.ToString(), "--store", "memory", "--access-log"]);
        await AssertAccessLogLineAsync(server, "/logged-by-flag");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_relative_config_file_resolves_against_the_callers_directory_under_dotnet_run_project()
    {
        // docs/rules.md: `dotnet run --project src/EdgeCache.Server -- --config edgecache.json`, from the folder
        // holding edgecache.json (the project folder is not the working directory).
        var port = ServerProcess.FreePort();
        WriteConfig($$$"""{"EdgeCache": {"Origin": "{{{_origin.BaseUri}}}", "Store": "memory", "AdminListen": "none", "Listen": "http://127.0.0.1:{{{port}}}"}}""");
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { WorkingDirectory = _folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "run", "--no-build", "-c", configuration, "--project", Path.Combine(RepositoryPaths.Root, "src", "EdgeCache.Server"), "--", "--config", "edgecache.json" })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            // The first request of a cold server fills from the origin: more than 5 s once on a loaded machine.
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            HttpResponseMessage? response = null;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (response is null && DateTime.UtcNow < deadline && !process.HasExited)
            {
                try
                {
                    response = await client.GetAsync($"http://127.0.0.1:{port}/relative-config");
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(200);
                }
            }

            Assert.True(response is not null, "the server did not start: " + (process.HasExited ? await stderr : "still starting"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    private string WriteConfig(string json)
    {
        var file = Path.Combine(_folder, "edgecache.json");
        File.WriteAllText(file, json);
        return file;
    }

    private static async Task AssertAccessLogLineAsync(ServerProcess server, string path)
    {
        using var client = new HttpClient();
        using var response = await client.GetAsync(new Uri(server.BaseUri, path));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // The line is written when the response completes; wait for it to reach the process's output.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!server.Output.Contains($"GET {path} 200", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Contains($"GET {path} 200", server.Output, StringComparison.Ordinal);
    }
}
