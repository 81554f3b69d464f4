using System.Net;
using System.Net.Sockets;
using Garnet;

namespace EdgeCache.Redis.Tests;

/// <summary>An in-process Garnet server on 127.0.0.1 and a free port, so the Redis tests need nothing installed.</summary>
public sealed class GarnetHost : IDisposable
{
    private GarnetServer? _server;

    private GarnetHost(int port)
    {
        Port = port;
    }

    /// <summary>The one server the Redis-protocol tests share (each test uses its own key prefix).</summary>
    public static GarnetHost Shared => SharedInstance.Value;

    private static Lazy<GarnetHost> SharedInstance { get; } = new(() => Start(), LazyThreadSafetyMode.ExecutionAndPublication);

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>Starts a server; with <paramref name="port"/> 0 on a free port.</summary>
    public static GarnetHost Start(int port = 0)
    {
        var host = new GarnetHost(port == 0 ? FreePort() : port);
        host.Resume();
        return host;
    }

    /// <summary>Stops the server (its port closes; clients see a lost connection).</summary>
    public void Stop()
    {
        _server?.Dispose();
        _server = null;
    }

    /// <summary>Starts a fresh server on the same port.</summary>
    public void Resume()
    {
        if (_server is not null)
        {
            return;
        }

        var server = new GarnetServer(["--bind", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--memory", "256m", "--index", "16m"]);
        server.Start();
        _server = server;
    }

    public void Dispose() => Stop();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
