using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace EdgeCache.Soak;
/// <summary>The fault schedule beside the load: each fault's script at its time, and the new-connection flood.</summary>
internal sealed partial class SoakDriver
{
    private async Task FaultsAsync(CancellationToken stop)
    {
        var running = new List<Task>();
        foreach (var fault in _faults.OrderBy(f => f.At))
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, fault.At - Now)), stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            running.Add(RunFaultAsync(fault, stop));
        }

        await Task.WhenAll(running);
    }

    private async Task RunFaultAsync(Fault fault, CancellationToken stop)
    {
        fault.Start = Now;
        Console.Error.WriteLine($"soak: {fault.Start,6:F1}s fault {fault.Name}");
        if (fault.Command.StartsWith("flood ", StringComparison.Ordinal))
        {
            await FloodAsync(double.Parse(fault.Command.AsSpan(6), CultureInfo.InvariantCulture), stop);
        }
        else
        {
            using var process = Process.Start(new ProcessStartInfo("/bin/bash", ["-c", fault.Command]) { RedirectStandardOutput = false })!;
            await process.WaitForExitAsync(CancellationToken.None);
            fault.ExitCode = process.ExitCode;
        }

        fault.End = Now;
        Console.Error.WriteLine($"soak: {fault.End,6:F1}s fault {fault.Name} over (exit {fault.ExitCode})");
    }

    /// <summary>
    /// New connections as fast as they go, each one request with Connection: close, for a while. A loop whose connection
    /// was refused waits 50 ms before its next, as a client backing off would: without it a loop aimed at a killed node
    /// spun through thousands of instant refusals that said nothing about the cache (7,752 of 62,781 in one 60-second run).
    /// </summary>
    private async Task FloodAsync(double seconds, CancellationToken stop)
    {
        var until = Now + seconds;
        await Task.WhenAll(Enumerable.Range(0, 64).Select(async i =>
        {
            var request = Encoding.ASCII.GetBytes($"GET {SoakObject.PathOf(1)} HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n");
            var buffer = new byte[16 * 1024];
            var node = i % options.Nodes.Count;
            var port = new Uri(options.Nodes[node]).Port;
            while (Now < until && !stop.IsCancellationRequested)
            {
                var started = Now;
                _flood.Connection(node);
                var phase = "connect";
                string? cause = null;
                try
                {
                    using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await socket.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
                    phase = "request";
                    await socket.SendAsync(request, SocketFlags.None, timeout.Token);
                    phase = "answer";
                    var first = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                    var status = first >= 12 ? Encoding.ASCII.GetString(buffer, 0, 12) : $"{first} bytes";
                    while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
                    {
                    }

                    if (status != "HTTP/1.1 200")
                    {
                        cause = $"answer: {status}";
                    }
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException)
                {
                    cause = FloodTally.CauseOf(ex, phase);
                }

                var down = NodeFaultCovers(started, node) || NodeFaultCovers(Now, node);
                if (!down)
                {
                    _flood.LiveConnection();
                }

                if (cause is not null)
                {
                    _flood.Failure(node, down, cause);
                    if (phase == "connect")
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None);
                    }
                }
            }
        }));
    }
}
