using System.Diagnostics;
using EdgeCache.Testing;

namespace EdgeCache.Server.Tests;

/// <summary>
/// <c>dotnet new edgecache-worker</c>, end to end: the template package and the libraries are packed from
/// this repository into a local feed, the template is installed into a private template hive (the user's
/// templates are untouched), instantiated, and the new project's own tests run. Restore reads only the
/// local feed and the packages this machine has already restored: no network beyond the machine.
/// </summary>
public sealed class TemplatePackageTests
{
    private static readonly string Configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    [Fact]
    [Trait("Category", "Slow")]
    public async Task The_edgecache_worker_template_installs_instantiates_and_its_tests_pass()
    {
        var work = Path.Combine(Path.GetTempPath(), "edgecache-template-" + Guid.NewGuid().ToString("N"));
        var feed = Path.Combine(work, "feed");
        var hive = Path.Combine(work, "hive");
        Directory.CreateDirectory(work);
        try
        {
            // The suite has just built these: pack what was built.
            foreach (var project in new[] { "src/EdgeCache", "src/EdgeCache.AspNetCore", "templates/EdgeCache.Templates" })
            {
                var (code, output) = await RunAsync(work, TimeSpan.FromMinutes(3), "dotnet", "pack", Path.Combine(RepositoryPaths.Root, project), "-c", Configuration, "--no-build", "-o", feed, "-nologo");
                Assert.True(code == 0, output);
                Assert.DoesNotContain("warning", output, StringComparison.OrdinalIgnoreCase);
            }

            var (installCode, install) = await RunAsync(work, TimeSpan.FromMinutes(2), "dotnet", "new", "install", Path.Combine(feed, "EdgeCache.Templates.0.1.0.nupkg"), "--debug:custom-hive", hive);
            Assert.True(installCode == 0, install);
            Assert.Contains("edgecache-worker", install, StringComparison.Ordinal);

            var app = Path.Combine(work, "MyEdge");
            var (newCode, created) = await RunAsync(work, TimeSpan.FromMinutes(2), "dotnet", "new", "edgecache-worker", "-o", app, "--origin", "http://127.0.0.1:9999", "--debug:custom-hive", hive);
            Assert.True(newCode == 0, created);
            Assert.True(File.Exists(Path.Combine(app, "MyEdge.slnx")), created);
            Assert.Contains("MapWorker(Worker.HandleRequestAsync)", File.ReadAllText(Path.Combine(app, "src", "MyEdge", "MyEdgeApp.cs")), StringComparison.Ordinal);
            Assert.Contains("\"Origin\": \"http://127.0.0.1:9999\"", File.ReadAllText(Path.Combine(app, "src", "MyEdge", "appsettings.json")), StringComparison.Ordinal);

            var restored = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } packages
                ? packages
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="edgecache-local" value="{feed}" />
                    <add key="restored" value="{restored}" />
                  </packageSources>
                  <packageSourceMapping>
                    <packageSource key="edgecache-local"><package pattern="EdgeCache" /><package pattern="EdgeCache.*" /></packageSource>
                    <packageSource key="restored"><package pattern="*" /></packageSource>
                  </packageSourceMapping>
                </configuration>
                """);

            // A private packages folder: this run's EdgeCache 0.1.0, never a copy cached by an earlier run.
            var (testCode, tested) = await RunAsync(
                app, TimeSpan.FromMinutes(6), Path.Combine(work, "nuget-packages"), "dotnet", ["test", "MyEdge.slnx", "-nologo", "--", "RunConfiguration.TestSessionTimeout=120000"]);
            Assert.True(testCode == 0, tested);
            Assert.Contains("Passed!  - Failed:     0, Passed:     2", tested, StringComparison.Ordinal);
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static Task<(int Code, string Output)> RunAsync(string directory, TimeSpan timeout, string file, params string[] args)
        => RunAsync(directory, timeout, packagesFolder: null, file, args);

    private static async Task<(int Code, string Output)> RunAsync(string directory, TimeSpan timeout, string? packagesFolder, string file, string[] args)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = directory };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        if (packagesFolder is not null)
        {
            info.Environment["NUGET_PACKAGES"] = packagesFolder;
        }

        var result = await CommandRunner.RunAsync(info, timeout);
        Assert.False(result.TimedOut, $"{file} {string.Join(' ', args)} took longer than {timeout}");
        return (result.ExitCode, result.Stdout + result.Stderr);
    }
}
