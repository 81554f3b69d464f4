using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeCache.Server.Tests;

/// <summary>
/// The edgecache server as a child process (<c>dotnet EdgeCache.Server.dll ...</c> from the test
/// output folder), for tests that measure its memory, kill it, or restart it.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, Uri baseUri)
    {
        _process = process;
        BaseUri = baseUri;
    }

    public Uri BaseUri { get; }

    public int Pid => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the server with the given flags plus <c>--listen</c> on a free loopback port, and (unless told not to) waits until it answers.</summary>
    public static async Task<ServerProcess> StartAsync(IEnumerable<string> args, int? port = null, IDictionary<string, string>? environment = null, bool waitUntilListening = true)
    {
        var listenPort = port ?? FreePort();
        var dll = Path.Combine(AppContext.BaseDirectory, "EdgeCache.Server.dll");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        if (!args.Contains("--admin-listen"))
        {
            info.ArgumentList.Add("--admin-listen");
            info.ArgumentList.Add("none");
        }

        info.ArgumentList.Add("--listen");
        info.ArgumentList.Add($"http://127.0.0.1:{listenPort}");
        info.Environment["DOTNET_gcServer"] = "0";
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{listenPort}"));
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // A cold start of the published server under a loaded CI machine took more than 30 s once.
        if (waitUntilListening)
        {
            await server.WaitUntilListeningAsync(TimeSpan.FromSeconds(90));
        }

        return server;
    }

    /// <summary>Starts the server in front of <paramref name="origin"/> with a given store and data directory.</summary>
    public static Task<ServerProcess> StartAsync(Uri origin, string dataDirectory, string store = "disk", string[]? extra = null)
        => StartAsync(["--origin", origin.ToString(), "--store", store, "--data-dir", dataDirectory, .. extra ?? []]);

    /// <summary>The peak resident set size (VmHWM) of the process, in bytes.</summary>
    public long PeakRssBytes() => ReadStatusKb("VmHWM:") * 1024;

    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>Sends SIGTERM (a graceful stop) and waits for the process to exit; returns its exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill!.WaitForExitAsync();
        }

        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
    }

    public static int FreePort(int? from = null, int? to = null)
    {
        if (from is null)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        for (var attempt = 0; attempt < 200; attempt++)
        {
            var candidate = Random.Shared.Next(from.Value, to!.Value);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, candidate);
                listener.Start();
                return candidate;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException($"no free port in {from}-{to}");
    }

    private long ReadStatusKb(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException(field + " not found");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private async Task WaitUntilListeningAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"edgecache exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, BaseUri.Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"edgecache did not listen within {timeout}:\n{Output}");
    }
}
