using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using EdgeCache.Testing;
using Xunit.Abstractions;

namespace EdgeCache.Server.Tests.Docs;

/// <summary>
/// Runs docs/getting-started.md as written, in bash from a fresh folder: the origin (section 1), the
/// server with <c>dotnet run --project</c> (section 2), the two curls (MISS, then HIT), the purge and
/// the metrics (section 4). Only the ports (8080, 8787, 8788) and /tmp/site are swapped for free ones,
/// the project path made absolute, and <c>--no-build</c> added (the suite has just built it).
/// </summary>
public sealed partial class GettingStartedTests(ITestOutputHelper output)
{
    private static readonly string Doc = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "getting-started.md"));

    [Fact]
    [Trait("Category", "Slow")]
    public async Task The_getting_started_steps_give_a_miss_then_a_hit_purge_and_metrics_as_written()
    {
        var blocks = ShellBlock().Matches(Doc).Select(m => m.Groups["body"].Value.Trim()).ToArray();
        var origin = blocks[0];
        var server = blocks[1];
        var curls = blocks[2].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var purge = InlineCommand("purge_cache");
        var metrics = InlineCommand("/metrics");
        Assert.Contains("python3 -m http.server 8080", origin, StringComparison.Ordinal);
        Assert.StartsWith("dotnet run --project src/EdgeCache.Server", server, StringComparison.Ordinal);
        Assert.Equal(2, curls.Length);

        // A port the test hands out can be bound by another test's process before the step binds it; only
        // that (the log says "address already in use") earns a new try with new ports.
        for (var attempt = 1; ; attempt++)
        {
            var work = Path.Combine(Path.GetTempPath(), "edgecache-getting-started-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(work);
            try
            {
                var (result, log) = await RunStepsAsync(work, origin, server, curls, purge, metrics);
                if (attempt < 3 && (log + result.Stderr).Contains("address already in use", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                Assert.False(result.TimedOut, "the getting-started steps did not finish in 2 minutes");
                Assert.DoesNotContain("### server exited", result.Stdout, StringComparison.Ordinal);
                var sections = Sections(result.Stdout);

                Assert.Matches("(?im)^cf-cache-status: MISS", sections["first"]);
                Assert.Matches("(?im)^cf-cache-status: HIT", sections["second"]);
                Assert.Matches("(?im)^age: \\d+", sections["second"]);
                Assert.Contains("\"success\":true", sections["purge"], StringComparison.Ordinal);
                Assert.Matches("(?im)^cf-cache-status: MISS", sections["after purge"]);
                Assert.Matches("(?m)^edgecache_requests_total\\{[^}]*cache_status=\"HIT\"\\} 1", sections["metrics"]);

                // "data in ./edgecache-data": of the folder the command was run from, not the project folder.
                Assert.True(Directory.Exists(Path.Combine(work, "edgecache-data")), "no ./edgecache-data in the folder the server was started from\n" + log);
                return;
            }
            finally
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    private async Task<(CommandResult Result, string Log)> RunStepsAsync(string work, string origin, string server, string[] curls, string purge, string metrics)
    {
        var originPort = ServerProcess.FreePort();
        var publicPort = ServerProcess.FreePort();
        var adminPort = ServerProcess.FreePort();
        string Adapt(string command) => command
            .Replace("/tmp/site", Path.Combine(work, "site"), StringComparison.Ordinal)
            .Replace("8080", originPort.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("8787", publicPort.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("8788", adminPort.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("dotnet run --project src/EdgeCache.Server", $"dotnet run --no-build --project {Path.Combine(RepositoryPaths.Root, "src", "EdgeCache.Server")}", StringComparison.Ordinal);

        // The server's listeners come from the environment (the documented command sets neither flag).
        var script = new StringBuilder()
            .AppendLine("set -u")
            .AppendLine("trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null' EXIT")
            .AppendLine(Adapt(origin))
            .AppendLine($"export EDGECACHE__LISTEN=http://127.0.0.1:{publicPort} EDGECACHE__ADMINLISTEN=http://127.0.0.1:{adminPort}")
            .AppendLine($"{Adapt(server)} > server.log 2>&1 &")
            .AppendLine("server=$!")
            // Ready means this server is alive and both its ports take connections: a healthz answer alone
            // could come from another test's process on a reused port. The public port is only connected to,
            // never asked, so no request is counted.
            .AppendLine($"for _ in $(seq 600); do kill -0 $server 2>/dev/null || {{ echo '### server exited'; break; }}; "
                + $"curl -s -o /dev/null http://127.0.0.1:{adminPort}/healthz && (exec 3<>/dev/tcp/127.0.0.1/{publicPort}) 2>/dev/null "
                + $"&& curl -s -o /dev/null http://127.0.0.1:{originPort}/ && break; sleep 0.1; done")
            .AppendLine("echo '### first'").AppendLine(Adapt(curls[0]))
            .AppendLine("echo '### second'").AppendLine(Adapt(curls[1]))
            .AppendLine("echo '### purge'").AppendLine(Adapt(purge)).AppendLine("echo")
            .AppendLine("echo '### after purge'").AppendLine(Adapt(curls[0]))
            .AppendLine("echo '### metrics'").AppendLine(Adapt(metrics))
            .ToString();
        var info = new ProcessStartInfo("bash") { WorkingDirectory = work };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        var result = await CommandRunner.RunAsync(info, TimeSpan.FromMinutes(2));
        var log = File.Exists(Path.Combine(work, "server.log")) ? File.ReadAllText(Path.Combine(work, "server.log")) : string.Empty;
        output.WriteLine(result.Stdout + result.Stderr + "\n--- server.log\n" + log);
        return (result, log);
    }

    /// <summary>The inline <c>`curl ...`</c> command of section 4 that mentions <paramref name="marker"/>.</summary>
    private static string InlineCommand(string marker)
        => InlineCurl().Matches(Doc).Select(m => m.Groups["command"].Value).Single(c => c.Contains(marker, StringComparison.Ordinal));

    private static Dictionary<string, string> Sections(string stdout)
    {
        var sections = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match match in SectionMarker().Matches(stdout))
        {
            sections[match.Groups["name"].Value] = match.Groups["body"].Value;
        }

        foreach (var name in new[] { "first", "second", "purge", "after purge", "metrics" })
        {
            Assert.True(sections.ContainsKey(name), $"step '{name}' printed nothing:\n{stdout}");
        }

        return sections;
    }

    [GeneratedRegex("```sh\\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();

    [GeneratedRegex("`(?<command>curl -s [^`]+)`")]
    private static partial Regex InlineCurl();

    [GeneratedRegex("^### (?<name>[a-z ]+)\\n(?<body>.*?)(?=^### |\\z)", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex SectionMarker();
}
