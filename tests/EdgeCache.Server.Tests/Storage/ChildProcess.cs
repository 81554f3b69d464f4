using System.Collections.Concurrent;
using System.Diagnostics;

namespace EdgeCache.Server.Tests.Storage;

/// <summary>
/// A .NET program from the test output directory run as a child process (<c>dotnet X.dll args</c>),
/// with its output lines collected, killed with SIGKILL on demand and always on dispose. For the
/// edgecache server itself (ports, memory, graceful stop) use <see cref="ServerProcess"/>.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    private ChildProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public IReadOnlyCollection<string> Lines => _lines;

    public bool HasExited => _process.HasExited;

    public static ChildProcess Start(string assemblyName, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assemblyName + ".dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The child's own logs stay quiet unless they matter.
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = new Process { StartInfo = start };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) => child.Add(e.Data);
        process.ErrorDataReceived += (_, e) => child.Add(e.Data is null ? null : "stderr: " + e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits until <paramref name="done"/> holds over the lines seen so far, or fails after <paramref name="timeout"/>.</summary>
    public async Task WaitForAsync(Func<IReadOnlyCollection<string>, bool> done, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!done(_lines))
        {
            var left = timeout - deadline.Elapsed;
            if (left <= TimeSpan.Zero || (_process.HasExited && !done(_lines)))
            {
                if (done(_lines))
                {
                    return;
                }

                throw new TimeoutException($"Gave up waiting for {what}. Output:{Environment.NewLine}{string.Join(Environment.NewLine, _lines.TakeLast(30))}");
            }

            await _lineArrived.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>Kills the process with SIGKILL (no chance to flush or clean up) and waits for it to go.</summary>
    public void KillHard()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }

        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        try
        {
            KillHard();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        _lineArrived.Dispose();
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
            _lineArrived.Release();
        }
    }
}
