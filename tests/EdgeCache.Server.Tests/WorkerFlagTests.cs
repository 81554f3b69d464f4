using EdgeCache.Server.Hosting;

namespace EdgeCache.Server.Tests;

/// <summary>What <c>edgecache --worker FILE.js</c> refuses at start-up, with exit code 2.</summary>
public sealed class WorkerFlagTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgecache-worker-flag-");

    [Fact]
    public async Task A_script_that_does_not_parse_stops_start_up_with_file_line_and_column()
    {
        var script = Path.Combine(_directory.FullName, "broken.js");
        await File.WriteAllTextAsync(script, "addEventListener('fetch', event => {\n  event.respondWith(new Response('x');\n});\n");

        var (code, error) = await RunAsync("--worker", script);

        Assert.Equal(2, code);
        Assert.Contains($"{script}:2:", error, StringComparison.Ordinal);
        Assert.Contains("SyntaxError", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_module_that_throws_at_the_top_level_stops_start_up_with_its_place()
    {
        var script = Path.Combine(_directory.FullName, "throws.js");
        await File.WriteAllTextAsync(script, "const config = {};\nconfig.missing.value;\nexport default { fetch() { return new Response('x'); } };\n");

        var (code, error) = await RunAsync("--worker", script);

        Assert.Equal(2, code);
        Assert.Contains($"{script}:2:", error, StringComparison.Ordinal);
        Assert.Contains("TypeError", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_script_without_a_fetch_handler_is_refused()
    {
        var script = Path.Combine(_directory.FullName, "idle.js");
        await File.WriteAllTextAsync(script, "const nothing = 1;\n");

        var (code, error) = await RunAsync("--worker", script);

        Assert.Equal(2, code);
        Assert.Contains("no fetch handler", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_script_is_refused_naming_the_flag()
    {
        var (code, error) = await RunAsync("--worker", Path.Combine(_directory.FullName, "absent.js"));

        Assert.Equal(2, code);
        Assert.Contains("--worker", error, StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Delete(recursive: true);

    private static async Task<(int Code, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] common = ["--origin", "http://127.0.0.1:1", "--listen", "http://127.0.0.1:0", "--admin-listen", "none", "--store", "memory"];
        var code = await ServerCommand.RunAsync([.. common, .. args], output, error);
        return (code, error.ToString());
    }
}
