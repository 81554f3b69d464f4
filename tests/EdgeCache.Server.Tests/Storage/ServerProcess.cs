using System.Diagnostics;
using System.Net.Sockets;

namespace EdgeCache.Server.Tests.Storage;

/// <summary>The edgecache server (EdgeCache.Server.dll from the test output) as a child process on a free loopback port.</summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly ChildProcess _child;

    private ServerProcess(ChildProcess child, Uri baseUri)
    {
        _child = child;
        BaseUri = baseUri;
    }

    public Uri BaseUri { get; }

    public ChildProcess Process => _child;

    public static async Task<ServerProcess> StartAsync(Uri origin, string dataDirectory, string store = "disk", string[]? extra = null)
    {
        var port = ChildProcess.FreePort();
        var baseUri = new Uri($"http://127.0.0.1:{port}/");
        string[] arguments =
        [
            "--origin", origin.ToString(), "--listen", baseUri.ToString(), "--store", store, "--data-dir", dataDirectory,
            "--admin-listen", $"http://127.0.0.1:{ChildProcess.FreePort()}", .. extra ?? [],
        ];
        var child = ChildProcess.Start("EdgeCache.Server", arguments);
        var server = new ServerProcess(child, baseUri);
        try
        {
            await server.WaitUntilListeningAsync(port);
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    public void Dispose() => _child.Dispose();

    private async Task WaitUntilListeningAsync(int port)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_child.HasExited)
            {
                throw new InvalidOperationException("The server exited at startup:" + Environment.NewLine + string.Join(Environment.NewLine, _child.Lines));
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(100);
            }
        }
    }
}
