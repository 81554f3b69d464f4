using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace EdgeCache.Soak;

/// <summary>
/// The connection flood's connections and failures, by node and by cause. A failure to reach a node while one of its kill
/// faults covers the moment is the fault's (the 60-second run's schedule puts the flood over the kill of node 1), and is
/// counted apart; any other failure is the cache's or the machine's, and is bounded (<see cref="SoakOptions.MaxFloodFailurePercent"/>).
/// </summary>
internal sealed class FloodTally
{
    private readonly ConcurrentDictionary<(int Node, bool Down, string Cause), long> _failures = new();
    private readonly long[] _connections;
    private long _liveConnections;

    public FloodTally(int nodes) => _connections = new long[nodes];

    public long Connections => _connections.Sum();

    public long Failures => _failures.Values.Sum();

    /// <summary>Failures to a node while it was not being killed.</summary>
    public long LiveFailures => _failures.Where(f => !f.Key.Down).Sum(f => f.Value);

    /// <summary>Connections attempted to nodes while they were not being killed.</summary>
    public long LiveConnections => Interlocked.Read(ref _liveConnections);

    public void Connection(int node) => Interlocked.Increment(ref _connections[node]);

    public void Failure(int node, bool down, string cause) => _failures.AddOrUpdate((node, down, cause), 1, static (_, n) => n + 1);

    /// <summary>Counts a connection that reached a node outside its kill windows (the denominator of the bound).</summary>
    public void LiveConnection() => Interlocked.Increment(ref _liveConnections);

    /// <summary>What one failure was, from the exception (or the status line when the answer was not a 200).</summary>
    public static string CauseOf(Exception ex, string phase) => ex switch
    {
        SocketException s => $"{phase}: {s.SocketErrorCode}",
        OperationCanceledException => $"{phase}: no answer in 5 s",
        _ => $"{phase}: {ex.GetType().Name}",
    };

    /// <summary>Whether the failures to live nodes are within <paramref name="maxPercent"/> of the connections to them.</summary>
    public bool WithinBound(double maxPercent) => LiveFailures <= LiveConnections * maxPercent / 100;

    public void Report(StringBuilder md, double maxPercent)
    {
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine().AppendLine(inv, $"Connection flood: {Connections} new connections with one request each, {Failures} failed: "
            + $"{Failures - LiveFailures} to a node while it was killed, {LiveFailures} of {LiveConnections} to live nodes "
            + $"(bound {maxPercent.ToString("0.###", inv)} %: {(WithinBound(maxPercent) ? "within" : "EXCEEDED")}).");
        if (_failures.IsEmpty)
        {
            return;
        }

        md.AppendLine().AppendLine("| node | while killed | cause | failures |").AppendLine("|---:|---|---|---:|");
        foreach (var f in _failures.OrderBy(f => f.Key.Node).ThenBy(f => f.Key.Down).ThenByDescending(f => f.Value))
        {
            md.AppendLine(inv, $"| {f.Key.Node + 1} | {(f.Key.Down ? "yes" : "no")} | {f.Key.Cause} | {f.Value} |");
        }
    }
}
