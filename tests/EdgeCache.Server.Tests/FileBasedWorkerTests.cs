using System.Diagnostics;
using System.Text;
using EdgeCache.Testing;

namespace EdgeCache.Server.Tests;

/// <summary>docs/templates.md: <c>dotnet run samples/FileBasedWorker/worker.cs</c> is a working worker.</summary>
public sealed class FileBasedWorkerTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task The_one_file_worker_runs_with_dotnet_run_and_caches_what_it_fetched()
    {
        await using var origin = await TestOrigin.StartAsync();
        // Outside the ephemeral range that other tests' servers on port 0 are given: the first run compiles for up to a
        // minute, and a port picked from that range was once bound meanwhile by another test's proxy, whose origin
        // answers "/one-file v1" too (CI, session 16).
        var port = ServerProcess.FreePort(20000, 30000);
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "run", "samples/FileBasedWorker/worker.cs", "--", "--origin", origin.BaseUri.ToString(), "--urls", $"http://127.0.0.1:{port}", "--Logging:LogLevel:Default", "Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime", "Information" })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        var output = new StringBuilder();
        using var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };

            // The first run compiles the file: wait (bounded) until this process says it listens, then until it answers.
            HttpResponseMessage? first = null;
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(6);
            var listening = $"Now listening on: http://127.0.0.1:{port}";
            while (DateTime.UtcNow < deadline && !process.HasExited && !Said(output, listening))
            {
                await Task.Delay(250);
            }

            Assert.True(Said(output, listening), $"the one-file worker did not listen on {port}:\n{output}");
            while (first is null && DateTime.UtcNow < deadline && !process.HasExited)
            {
                try
                {
                    first = await client.GetAsync("/one-file");
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(250);
                }
            }

            Assert.True(first is not null, $"the one-file worker did not answer:\n{output}");
            Assert.Equal("/one-file v1", await first.Content.ReadAsStringAsync());
            first.Dispose();

            // The cache write runs in WaitUntil after the response: ask until the copy is there (bounded).
            string? status = null;
            for (var attempt = 0; attempt < 50 && status != "HIT"; attempt++)
            {
                using var again = await client.GetAsync("/one-file");
                status = again.Headers.TryGetValues("cf-cache-status", out var values) ? values.Single() : null;
                if (status != "HIT")
                {
                    await Task.Delay(100);
                }
            }

            Assert.Equal("HIT", status);
            Assert.Equal(1, origin.Hits("/one-file"));
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

    private static bool Said(StringBuilder output, string line)
    {
        lock (output)
        {
            return output.ToString().Contains(line, StringComparison.Ordinal);
        }
    }
}
