using System.ComponentModel;
using EdgeCache.Testing;

namespace EdgeCache.JavaScript.Tests;

/// <summary>
/// Node.js as the reference implementation of Web APIs: runs a script over a JSON input file and returns its
/// standard output. Without node on PATH the calling test fails with a clear message; it does not skip.
/// </summary>
internal static class NodeOracle
{
    public static async Task<string> RunAsync(string script, string inputJson)
    {
        var directory = Directory.CreateTempSubdirectory("edgecache-node-").FullName;
        try
        {
            var scriptPath = Path.Combine(directory, "oracle.js");
            var inputPath = Path.Combine(directory, "input.json");
            await File.WriteAllTextAsync(scriptPath, script);
            await File.WriteAllTextAsync(inputPath, inputJson);
            CommandResult result;
            try
            {
                result = await CommandRunner.RunAsync("node", [scriptPath, inputPath], TimeSpan.FromSeconds(60));
            }
            catch (Win32Exception ex)
            {
                Assert.Fail($"This test compares with Node.js, which must be on PATH ('node' could not be started: {ex.Message}). Install Node.js 20 or later; the test does not skip.");
                throw;
            }

            Assert.False(result.TimedOut, "node did not finish within 60 s.");
            Assert.True(result.ExitCode == 0, $"node exited with {result.ExitCode}: {result.Stderr}");
            return result.Stdout;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
