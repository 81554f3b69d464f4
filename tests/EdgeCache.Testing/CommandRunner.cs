using System.Diagnostics;

namespace EdgeCache.Testing;

/// <summary>What a finished (or killed) command printed.</summary>
/// <param name="ExitCode">The exit code; -1 when the command was killed for taking too long.</param>
/// <param name="Stdout">Standard output.</param>
/// <param name="Stderr">Standard error.</param>
/// <param name="TimedOut">The command ran past its timeout and was killed with its children.</param>
public sealed record CommandResult(int ExitCode, string Stdout, string Stderr, bool TimedOut);

/// <summary>Runs a command to completion with its output captured, killing it (and its children) after a timeout.</summary>
public static class CommandRunner
{
    /// <summary>Runs <paramref name="info"/> (its file, arguments, environment and folder as the caller set them).</summary>
    public static async Task<CommandResult> RunAsync(ProcessStartInfo info, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(info);
        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {info.FileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5_000);
            return new CommandResult(-1, await stdout, await stderr, TimedOut: true);
        }

        return new CommandResult(process.ExitCode, await stdout, await stderr, TimedOut: false);
    }

    /// <summary>Runs <paramref name="file"/> with <paramref name="arguments"/>.</summary>
    public static Task<CommandResult> RunAsync(string file, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return RunAsync(info, timeout);
    }
}
