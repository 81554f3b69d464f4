namespace EdgeCache.Soak;

/// <summary>One scheduled fault: what, when it started and when its effect ended (the command's exit plus a grace).</summary>
internal sealed class Fault(string name, double at, string command)
{
    public string Name { get; } = name;

    public double At { get; } = at;

    public string Command { get; } = command;

    public double Start { get; set; } = double.NaN;

    public double End { get; set; } = double.NaN;

    public int ExitCode { get; set; }

    /// <summary>Whether a request that started at <paramref name="t"/> could feel this fault: it started during it, or shortly before (in flight, or queued for a connection, when it began).</summary>
    public bool Covers(double t, double grace) => !double.IsNaN(Start) && t >= Start - InFlightSeconds && t <= (double.IsNaN(End) ? double.MaxValue : End + grace);

    public const double InFlightSeconds = 1;

    /// <summary>The node a node fault applies to (1-based in the name "kill-node-2"), or -1.</summary>
    public int Node => Name.StartsWith("kill-node-", StringComparison.Ordinal) && int.TryParse(Name.AsSpan(10), out var n) ? n - 1 : -1;

    public bool IsOrigin => Name.StartsWith("origin-", StringComparison.Ordinal);

    /// <summary>Reads "seconds TAB name TAB command" lines.</summary>
    public static List<Fault> Load(string? file)
    {
        var faults = new List<Fault>();
        if (file is null)
        {
            return faults;
        }

        foreach (var line in File.ReadAllLines(file))
        {
            var parts = line.Split('\t', 3);
            if (parts.Length == 3 && double.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out var at))
            {
                faults.Add(new Fault(parts[1], at, parts[2]));
            }
        }

        return faults;
    }
}
