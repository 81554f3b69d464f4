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

    /// <summary>New connections as fast as they go, each one request with Connection: close, for a while.</summary>
    private async Task FloodAsync(double seconds, CancellationToken stop)
    {
        var until = Now + seconds;
        await Task.WhenAll(Enumerable.Range(0, 64).Select(async i =>
        {
            var request = Encoding.ASCII.GetBytes($"GET {SoakObject.PathOf(1)} HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n");
            var buffer = new byte[16 * 1024];
            while (Now < until && !stop.IsCancellationRequested)
            {
                var uri = new Uri(options.Nodes[i % options.Nodes.Count]);
                Interlocked.Increment(ref _floodRequests);
                try
                {
                    using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await socket.ConnectAsync(IPAddress.Loopback, uri.Port, timeout.Token);
                    await socket.SendAsync(request, SocketFlags.None, timeout.Token);
                    var first = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                    var ok = first >= 12 && Encoding.ASCII.GetString(buffer, 0, 12) == "HTTP/1.1 200";
                    while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
                    {
                    }

                    if (!ok)
                    {
                        Interlocked.Increment(ref _floodFailures);
                    }
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException)
                {
                    Interlocked.Increment(ref _floodFailures);
                }
            }
        }));
    }
}
