namespace EdgeCache.Soak;

/// <summary>The driver's settings (bench/soak.sh passes them).</summary>
internal sealed class SoakOptions
{
    public List<string> Nodes { get; } = [];

    public List<string> Admins { get; } = [];

    public string Origin { get; set; } = "http://127.0.0.1:21100";

    public double Minutes { get; set; } = 10;

    public int Concurrency { get; set; } = 16;

    public int Objects { get; set; } = 2000;

    public double PurgeEverySeconds { get; set; } = 2;

    public string? FaultsFile { get; set; }

    public string? ResourcesFile { get; set; }

    public string OutDir { get; set; } = "soak-results";

    /// <summary>Per node; bench/soak.sh derives it from the node's settings (--rss-budget-mb).</summary>
    public long RssBudgetBytes { get; set; } = 512L << 20;

    /// <summary>
    /// What a disk tier may hold beyond its size limit: bodies it evicted wait out a 10 s grace (a reader may have
    /// just found them) and bodies still being written are not in its index yet; both count against the limit at
    /// each commit, so the excess is about one object (the soak's largest is 50 MB).
    /// </summary>
    public long DiskSlackBytes { get; set; } = 50L << 20;

    public List<long> DiskBudgets { get; } = [];

    public string Note { get; set; } = string.Empty;

    /// <summary>
    /// Also fail the run when purged content was served beyond the promise (by any node, to a request that started more than
    /// <see cref="SoakDriver.OtherNodesBoundMs"/> after the purge answered). On by default (bench/soak.sh passes it);
    /// <c>FAIL_ON_LATE_PURGE=false bench/soak.sh</c> makes it a figure only.
    /// </summary>
    public bool FailOnLatePurge { get; set; } = true;

    /// <summary>
    /// The share of the connection flood's connections to live nodes (outside a kill of theirs) that may fail before the run
    /// fails (percent, default 1): the accept queue of a loaded 2-core machine may time out a few; a cache that drops
    /// connections fails it.
    /// </summary>
    public double MaxFloodFailurePercent { get; set; } = 1;

    public static SoakOptions Parse(string[] args)
    {
        var o = new SoakOptions();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            switch (args[i])
            {
                case "--nodes": o.Nodes.AddRange(value.Split(',')); break;
                case "--admins": o.Admins.AddRange(value.Split(',')); break;
                case "--origin": o.Origin = value; break;
                case "--minutes": o.Minutes = double.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "--concurrency": o.Concurrency = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "--objects": o.Objects = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "--purge-every": o.PurgeEverySeconds = double.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "--faults": o.FaultsFile = value; break;
                case "--resources": o.ResourcesFile = value; break;
                case "--out": o.OutDir = value; break;
                case "--rss-budget-mb": o.RssBudgetBytes = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture) << 20; break;
                case "--disk-slack-mb": o.DiskSlackBytes = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture) << 20; break;
                case "--disk-budgets-mb": o.DiskBudgets.AddRange(value.Split(',').Select(v => long.Parse(v, System.Globalization.CultureInfo.InvariantCulture) << 20)); break;
                case "--note": o.Note = value; break;
                case "--max-flood-failure-percent": o.MaxFloodFailurePercent = double.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "--fail-on-late-purge": o.FailOnLatePurge = value == "true"; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        if (o.Nodes.Count == 0 || o.Admins.Count != o.Nodes.Count)
        {
            throw new ArgumentException("--nodes and --admins (as many) are required");
        }

        return o;
    }
}
