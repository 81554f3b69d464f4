namespace EdgeCache.Soak;

/// <summary>
/// One purge: its kind, the node it went through, when it started (before the origin's new version), when it
/// completed (its answer), whether any node answered it with success, and per node how long until that node
/// served the new version.
/// </summary>
internal sealed class PurgeRecord(string kind, int node, double started, double completed, bool succeeded)
{
    public string Kind { get; } = kind;

    public int Node { get; } = node;

    public double Started { get; } = started;

    public double Completed { get; } = completed;

    public bool Succeeded { get; } = succeeded;

    /// <summary>Milliseconds from completion to the first new-version answer of each node; NaN when none came within the probe's limit.</summary>
    public double[] DelayMs { get; } = [double.NaN, double.NaN, double.NaN];
}
