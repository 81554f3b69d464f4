using System.Diagnostics;
using EdgeCache.Testing;

namespace EdgeCache.Server.Tests;

public sealed class PackagingTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task Dotnet_pack_makes_the_libraries_and_the_edgecache_tool_which_installs_and_runs()
    {
        var work = Path.Combine(Path.GetTempPath(), "edgecache-pack-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var packages = Path.Combine(work, "packages");
            var (packCode, packOutput) = await RunAsync(
                "dotnet", ["pack", Path.Combine(RepositoryPaths.Root, "EdgeCache.slnx"), "-c", "Release", "-o", packages, "--artifacts-path", Path.Combine(work, "artifacts"), "-nologo"],
                TimeSpan.FromMinutes(6));
            Assert.True(packCode == 0, packOutput);
            Assert.DoesNotContain("is missing a readme", packOutput, StringComparison.OrdinalIgnoreCase);
            var names = Directory.GetFiles(packages, "*.nupkg").Select(Path.GetFileName).ToArray();
            Assert.Contains("EdgeCache.0.1.0.nupkg", names);
            Assert.Contains("EdgeCache.AspNetCore.0.1.0.nupkg", names);
            Assert.Contains("EdgeCache.Server.0.1.0.nupkg", names);

            var tools = Path.Combine(work, "tools");
            var (installCode, installOutput) = await RunAsync(
                "dotnet", ["tool", "install", "EdgeCache.Server", "--version", "0.1.0", "--tool-path", tools, "--add-source", packages],
                TimeSpan.FromMinutes(3));
            Assert.True(installCode == 0, installOutput);

            var (helpCode, help) = await RunAsync(Path.Combine(tools, "edgecache"), ["--help"], TimeSpan.FromMinutes(1));
            Assert.Equal(0, helpCode);
            Assert.Contains("--origin", help, StringComparison.Ordinal);

            var (badCode, _) = await RunAsync(Path.Combine(tools, "edgecache"), ["--no-such-flag"], TimeSpan.FromMinutes(1));
            Assert.Equal(2, badCode);
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

    private static async Task<(int Code, string Output)> RunAsync(string file, string[] args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        var result = await CommandRunner.RunAsync(info, timeout);
        if (result.TimedOut)
        {
            throw new TimeoutException($"{file} {string.Join(' ', args)} took longer than {timeout}");
        }

        return (result.ExitCode, result.Stdout + result.Stderr);
    }
}
