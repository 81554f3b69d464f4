using System.Diagnostics;
using System.Text;
using System.Text.Json;
using EdgeCache.Testing;
using Xunit.Abstractions;

namespace EdgeCache.Server.Tests.StatusPage;

/// <summary>
/// Runs check-status-page.mjs (playwright-core driving Debian's /usr/bin/chromium) against an admin
/// listener and returns what it printed. Missing Chromium, Node or playwright-core fails the test
/// with the command that installs it: this test is never skipped.
/// </summary>
internal static class StatusPageBrowser
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    /// <summary>The folder holding the script and its package.json.</summary>
    public static string ScriptFolder { get; } = Path.Combine(RepositoryPaths.Root, "tests", "EdgeCache.Server.Tests", "StatusPage");

    /// <summary>Where screenshots go: the test output folder (bin/.../StatusPage).</summary>
    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "StatusPage");

    /// <summary>Opens the status page, optionally enters the token and submits a purge, and returns the script's JSON.</summary>
    public static async Task<JsonElement> RunAsync(Uri adminUri, string? token, string screenshotName, string? purgeUrl = null, ITestOutputHelper? output = null)
    {
        AssertPrerequisites();
        Directory.CreateDirectory(ScreenshotFolder);
        var screenshot = Path.Combine(ScreenshotFolder, screenshotName);
        var info = new ProcessStartInfo("node") { WorkingDirectory = ScriptFolder };
        info.ArgumentList.Add("check-status-page.mjs");
        info.ArgumentList.Add("--url");
        info.ArgumentList.Add(adminUri.ToString());
        info.ArgumentList.Add("--screenshot");
        info.ArgumentList.Add(screenshot);
        info.ArgumentList.Add("--chromium");
        info.ArgumentList.Add(ChromiumPath);
        info.ArgumentList.Add("--timeout-ms");
        info.ArgumentList.Add(((int)(Timeout.TotalMilliseconds - 10_000)).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(token))
        {
            info.ArgumentList.Add("--token");
            info.ArgumentList.Add(token);
        }

        if (purgeUrl is not null)
        {
            info.ArgumentList.Add("--purge");
            info.ArgumentList.Add(purgeUrl);
        }

        var result = await CommandRunner.RunAsync(info, Timeout);
        if (result.TimedOut)
        {
            Assert.Fail($"The status page script did not finish within {Timeout.TotalSeconds} s:\n{result.Stderr}");
        }

        var printed = result.Stdout;
        var errors = result.Stderr;
        output?.WriteLine($"status page script exited {result.ExitCode}; screenshot: {screenshot}\n{printed}{errors}");
        Assert.True(result.ExitCode == 0, $"The status page script failed (exit {result.ExitCode}):\n{errors}\n{printed}");
        Assert.True(File.Exists(screenshot), "The script left no screenshot at " + screenshot);
        var line = printed.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    private static void AssertPrerequisites()
    {
        var missing = new StringBuilder();
        if (!File.Exists(ChromiumPath))
        {
            missing.AppendLine($"- Chromium is not installed at {ChromiumPath}: run `apt-get update && apt-get install -y chromium` (./test.sh does this when it is missing).");
        }

        if (!CanRun("node", "--version"))
        {
            missing.AppendLine("- Node.js is not on PATH: run `apt-get install -y nodejs npm`.");
        }

        var playwright = Path.Combine(ScriptFolder, "node_modules", "playwright-core", "package.json");
        if (!File.Exists(playwright))
        {
            // A fresh checkout: install the pinned playwright-core from the lock file, as ./test.sh does.
            lock (InstallLock)
            {
                if (!File.Exists(playwright))
                {
                    CanRun("npm", $"ci --no-audit --no-fund --loglevel=error --prefix \"{ScriptFolder}\"", TimeSpan.FromMinutes(3));
                }
            }
        }

        if (!File.Exists(playwright))
        {
            missing.AppendLine($"- playwright-core is not installed: run `npm ci` in {ScriptFolder} (./test.sh does this).");
        }

        if (missing.Length > 0)
        {
            Assert.Fail("The status page test needs a headless browser and cannot run:\n" + missing);
        }
    }

    private static readonly Lock InstallLock = new();

    private static bool CanRun(string file, string argument) => CanRun(file, argument, TimeSpan.FromSeconds(20));

    private static bool CanRun(string file, string argument, TimeSpan timeout)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, argument) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (process is null)
            {
                return false;
            }

            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
