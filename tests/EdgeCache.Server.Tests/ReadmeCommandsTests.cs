using System.Text.RegularExpressions;
using EdgeCache.Testing;

namespace EdgeCache.Server.Tests;

/// <summary>The README's quick start gives exactly two commands, and CI runs the second one.</summary>
public sealed partial class ReadmeCommandsTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));

    private static IReadOnlyList<string> QuickStartCommands()
    {
        var start = Readme.IndexOf("## Quick start", StringComparison.Ordinal);
        var end = Readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "README.md has no '## Quick start' section");
        return ShellBlock().Matches(Readme[start..end]).Select(m => m.Groups["body"].Value.Trim()).ToArray();
    }

    [Fact]
    public void The_quick_start_has_exactly_two_commands_run_the_server_and_run_every_test()
    {
        var commands = QuickStartCommands();

        Assert.Equal(2, commands.Count);
        Assert.All(commands, c => Assert.DoesNotContain('\n', c));
        Assert.StartsWith("dotnet run --project src/EdgeCache.Server", commands[0], StringComparison.Ordinal);
        Assert.Contains("--origin", commands[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Ci_runs_the_readme_test_command_and_nothing_else_decides_the_result()
    {
        var testCommand = QuickStartCommands()[1];
        var ci = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, ".ci", "run"))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToArray();

        // The last command CI runs is the README's, exec'd so that its exit code and its last line
        // ("N passed, N failed") are CI's.
        Assert.Matches($"^exec {Regex.Escape(testCommand)}( \"\\$@\")?$", ci[^1]);
        Assert.True(File.Exists(Path.Combine(RepositoryPaths.Root, testCommand.Split(' ')[0])), $"{testCommand} does not exist");
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_test_script_is_executable_and_prints_the_summary_line_last()
    {
        var script = Path.Combine(RepositoryPaths.Root, "test.sh");
        Assert.True((File.GetUnixFileMode(script) & UnixFileMode.UserExecute) != 0, "test.sh is not executable");
        var lines = File.ReadAllLines(script).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
        Assert.Equal("echo \"$passed passed, $failed failed\"", lines[^2]);
    }

    [GeneratedRegex("```sh\\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();
}
