namespace EdgeCache.Soak;

/// <summary>One purge: its kind, the node it went through, when it completed, and per node how long until that node served the new version.</summary>
internal sealed class PurgeRecord(string kind, int node, double completed)
{
    public string Kind { get; } = kind;

    public int Node { get; } = node;

    public double Completed { get; } = completed;

    /// <summary>Milliseconds from completion to the first new-version answer of each node; NaN when none came within the probe's limit.</summary>
    public double[] DelayMs { get; } = [double.NaN, double.NaN, double.NaN];
}
