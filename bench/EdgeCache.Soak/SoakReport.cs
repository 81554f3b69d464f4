using System.Globalization;
using System.Text;

namespace EdgeCache.Soak;

/// <summary>The figures: per phase and in total, purges and their propagation, stale answers, resources; summary.md and chart.svg.</summary>
internal sealed class SoakReport(
    SoakOptions options,
    IReadOnlyList<Sample> samples,
    IReadOnlyList<PurgeRecord> purges,
    IReadOnlyList<LateAnswer> purgedServed,
    IReadOnlyList<(double At, string Detail, bool Allowed)> stale,
    IReadOnlyList<Fault> faults,
    FloodTally flood,
    double seconds,
    long purgeRefusals)
{
    private const double FaultGrace = 2;

    public static readonly DateTimeOffset StartedAt = DateTimeOffset.UtcNow;

    public int Write()
    {
        Directory.CreateDirectory(options.OutDir);
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine(inv, $"# Soak: {options.Nodes.Count} nodes, {seconds / 60:F1} minutes, {options.Concurrency} clients, {options.Objects} objects");
        md.AppendLine();
        if (options.Note.Length > 0)
        {
            md.AppendLine(options.Note).AppendLine();
        }

        md.AppendLine("Latency is time to the last byte of verified responses (slow readers and aborts excluded). 'cache failures' are failures the origin would not have caused; 'origin' are failures while the origin was stopped or slow; 'node down' are requests to a node while it was killed (each retried on the next node, as a load balancer does).");
        md.AppendLine();
        md.AppendLine("| phase | window (s) | requests | req/s | ok | aborted (on purpose) | corrupt | truncated | cache failures | origin | node down | p50 ms | p99 ms | p99.9 ms |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var steady = samples.Where(s => !faults.Any(f => f.Covers(s.Start, FaultGrace))).ToList();
        Row(md, "no fault active", "-", steady, seconds - faults.Sum(f => double.IsNaN(f.Start) ? 0 : Math.Min(seconds, f.End + FaultGrace) - f.Start));
        foreach (var f in faults.Where(f => !double.IsNaN(f.Start)))
        {
            var inside = samples.Where(s => f.Covers(s.Start, FaultGrace)).ToList();
            Row(md, f.Name, $"{f.Start:F0}-{f.End + FaultGrace:F0}", inside, Math.Min(seconds, f.End + FaultGrace) - f.Start);
        }

        Row(md, "**total**", $"0-{seconds:F0}", [.. samples], seconds);
        md.AppendLine();

        var bad = samples.Where(s => s.Outcome is Outcome.Corrupt or Outcome.Truncated or Outcome.CacheFailure).ToList();
        if (bad.Count > 0)
        {
            md.AppendLine("## Failures attributable to the cache, corrupt and truncated bodies (first 20)").AppendLine();
            foreach (var s in bad.Take(20))
            {
                md.AppendLine(inv, $"- {s.Start:F1}s node {s.Node + 1} {s.Kind}: {s.Outcome}: {s.Detail.Replace('\n', ' ')}");
            }

            md.AppendLine();
        }

        md.AppendLine("## Purges").AppendLine();
        md.AppendLine(inv, $"{purges.Count} purges through a random node ({string.Join(", ", purges.GroupBy(p => p.Kind).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key}"))}). After each hard purge a probe asks every node for the purged object until it serves the new version: the time from the purge's answer to that node's first new-version answer.");
        md.AppendLine();
        md.AppendLine("| node | probes | p50 ms | p99 ms | max ms | never within 5 s | purged served after the purge (all) | of which to the probe | of which > 100 ms after |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        var hard = purges.Where(p => p.Kind != "soft-url").ToList();
        for (var n = 0; n < options.Nodes.Count; n++)
        {
            var delays = hard.Select(p => p.DelayMs[n]).Where(d => !double.IsNaN(d)).Order().ToList();
            var served = purgedServed.Where(p => p.Node == n).ToList();
            md.AppendLine(inv, $"| {n + 1} | {delays.Count} | {P(delays, 0.5)} | {P(delays, 0.99)} | {(delays.Count > 0 ? delays[^1].ToString("F0", inv) : "-")} | {hard.Count(p => double.IsNaN(p.DelayMs[n]))} | {served.Count} | {served.Count(p => p.Probe)} | {served.Count(p => p.AfterMs > SoakDriver.PropagationWindowMs)} |");
        }

        var notAnswered = purges.Count(p => !p.Succeeded);
        md.AppendLine().AppendLine(inv, $"Purge answers 503 (applied on that node, could not reach the others; the driver retried through the next node): {purgeRefusals}. Purges no node accepted within 30 s (not counted as completed): {notAnswered}.");

        md.AppendLine().AppendLine("Purged content served after the purge completed, by cause (the driver's reading: the serving node, the origin's generation time of the body against the purge's start, Cache-Status, the fault schedule):").AppendLine();
        md.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"('beyond the promise': served by any node to a request that started more than {SoakDriver.OtherNodesBoundMs:F0} ms after the purge answered.)").AppendLine();
        md.AppendLine("| cause | node 1 | node 2 | node 3 | > 100 ms after | > 1 s after | > 5 s after | max ms | beyond the promise |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var g in purgedServed.GroupBy(p => p.Cause).OrderByDescending(g => g.Count()))
        {
            md.AppendLine(inv, $"| {g.Key} | {g.Count(p => p.Node == 0)} | {g.Count(p => p.Node == 1)} | {g.Count(p => p.Node == 2)} | {g.Count(p => p.AfterMs > SoakDriver.PropagationWindowMs)} | {g.Count(p => p.AfterMs > 1000)} | {g.Count(p => p.AfterMs > 5000)} | {g.Max(p => p.AfterMs):F0} | {g.Count(SoakDriver.BreaksPromise)} |");
        }

        if (purgedServed.Count == 0)
        {
            md.AppendLine("| (none) | 0 | 0 | 0 | 0 | 0 | 0 | - | 0 |");
        }

        var late = purgedServed.Where(p => p.AfterMs > SoakDriver.PropagationWindowMs).OrderBy(p => p.At).ToList();
        if (late.Count > 0)
        {
            md.AppendLine().AppendLine("Purged content served more than 100 ms after the purge (the first of each purge and node, up to 20):").AppendLine();
            foreach (var p in late.DistinctBy(p => (p.Purge, p.Node)).Take(20))
            {
                var during = faults.Where(f => f.Covers(p.At, FaultGrace)).Select(f => f.Name).ToList();
                md.AppendLine(inv, $"- {p.At:F1}s node {p.Node + 1}, {p.AfterMs:F0} ms after a {p.Purge.Kind} purge through node {p.Purge.Node + 1} ({p.Purge.Started:F1}s to {p.Purge.Completed:F1}s); body generated at {p.GeneratedAt:F1}s; Cache-Status {p.CacheStatus}; {p.Cause}{(during.Count > 0 ? $" (during {string.Join(", ", during)})" : string.Empty)}");
            }
        }

        File.WriteAllLines(Path.Combine(options.OutDir, "late-purges.tsv"), purgedServed.OrderBy(p => p.At).Select(p => string.Join('\t',
            p.At.ToString("F3", inv), p.Node + 1, p.AfterMs.ToString("F0", inv), p.Purge.Kind, p.Purge.Node + 1, p.Purge.Started.ToString("F3", inv),
            p.Purge.Completed.ToString("F3", inv), p.GeneratedAt.ToString("F3", inv), p.Cause, p.CacheStatus, p.Probe ? "probe" : "traffic")));
        md.AppendLine().AppendLine("## Stale answers").AppendLine();
        md.AppendLine("| served under | count | allowed by the origin's Cache-Control | not allowed |");
        md.AppendLine("|---|---:|---:|---:|");
        foreach (var g in stale.GroupBy(s => s.Detail).OrderBy(g => g.Key))
        {
            md.AppendLine(inv, $"| {g.Key} | {g.Count()} | {g.Count(s => s.Allowed)} | {g.Count(s => !s.Allowed)} |");
        }

        if (stale.Count == 0)
        {
            md.AppendLine("| (none) | 0 | 0 | 0 |");
        }

        flood.Report(md, options.MaxFloodFailurePercent);
        var resources = ReadResources();
        md.AppendLine().AppendLine("## Resources per node (sampled every 5 s)").AppendLine();
        md.AppendLine(inv, $"| node | max RSS MiB (budget {options.RssBudgetBytes >> 20}) | max open fds | max disk tier MiB | disk budget MiB (limit + {options.DiskSlackBytes >> 20} MiB, one object in grace) |");
        md.AppendLine("|---|---:|---:|---:|---:|");
        var overBudget = false;
        for (var n = 0; n < options.Nodes.Count; n++)
        {
            var mine = resources.Where(r => r.Node == n).ToList();
            var rss = mine.Count > 0 ? mine.Max(r => r.Rss) : 0;
            var disk = mine.Count > 0 ? mine.Max(r => r.Disk) : 0;
            var budget = n < options.DiskBudgets.Count ? options.DiskBudgets[n] + options.DiskSlackBytes : long.MaxValue;
            overBudget |= rss > options.RssBudgetBytes || disk > budget;
            md.AppendLine(inv, $"| {n + 1} | {rss >> 20} | {(mine.Count > 0 ? mine.Max(r => r.Fds) : 0)} | {disk >> 20} | {(budget == long.MaxValue ? "-" : (budget >> 20).ToString(inv))} |");
        }

        md.AppendLine().AppendLine("## Faults").AppendLine();
        foreach (var f in faults)
        {
            md.AppendLine(inv, $"- {f.Name}: scheduled {f.At:F0}s, ran {f.Start:F1}s to {f.End:F1}s (exit {f.ExitCode})");
        }

        md.AppendLine().AppendLine("![throughput and p99 over time, faults shaded](chart.svg)");
        File.WriteAllText(Path.Combine(options.OutDir, "summary.md"), md.ToString());
        File.WriteAllText(Path.Combine(options.OutDir, "chart.svg"), Chart(resources));
        Console.WriteLine(md.ToString());

        var lateCount = purgedServed.Count(SoakDriver.BreaksPromise);
        var floodOver = !flood.WithinBound(options.MaxFloodFailurePercent);
        var failed = bad.Count > 0 || (options.FailOnLatePurge && lateCount > 0) || overBudget || faults.Any(f => f.ExitCode != 0) || floodOver;
        Console.WriteLine(failed
            ? $"soak: FAILED: {bad.Count} lost or corrupt, {lateCount} purged served beyond the promise{(options.FailOnLatePurge ? string.Empty : " (a figure, not a failure)")}, resources over budget: {overBudget}, failed faults: {faults.Count(f => f.ExitCode != 0)}, flood failures to live nodes {flood.LiveFailures} of {flood.LiveConnections} (bound {options.MaxFloodFailurePercent} %)"
            : $"soak: passed (no lost, corrupt or truncated response, no purged content beyond the promise, within budgets, {flood.LiveFailures} of {flood.LiveConnections} flood connections to live nodes failed; {purgedServed.Count(p => p.AfterMs > SoakDriver.PropagationWindowMs)} purged answers more than 100 ms after, within the bound)");
        return failed ? 1 : 0;
    }

    private static void Row(StringBuilder md, string name, string window, List<Sample> s, double duration)
    {
        var latencies = s.Where(x => x.Outcome == Outcome.Ok && x.Kind != "slow-reader").Select(x => x.LatencyMs).Order().ToList();
        int C(Outcome o) => s.Count(x => x.Outcome == o);
        md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {window} | {s.Count} | {(duration > 0 ? s.Count / duration : 0):F0} | {C(Outcome.Ok)} | {C(Outcome.Aborted)} | {C(Outcome.Corrupt)} | {C(Outcome.Truncated)} | {C(Outcome.CacheFailure)} | {C(Outcome.OriginFailure)} | {C(Outcome.NodeDown)} | {P(latencies, 0.5)} | {P(latencies, 0.99)} | {P(latencies, 0.999)} |");
    }

    private static string P(List<double> sorted, double q)
        => sorted.Count == 0 ? "-" : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)].ToString(sorted[0] < 10 && q < 0.9 ? "F1" : "F0", CultureInfo.InvariantCulture);

    private List<(double T, int Node, long Rss, int Fds, long Disk)> ReadResources()
    {
        var list = new List<(double, int, long, int, long)>();
        if (options.ResourcesFile is not { } file || !File.Exists(file))
        {
            return list;
        }

        foreach (var line in File.ReadAllLines(file))
        {
            var p = line.Split('\t');
            if (p.Length == 5 && double.TryParse(p[0], CultureInfo.InvariantCulture, out var epoch) && int.TryParse(p[1], out var node)
                && long.TryParse(p[2], out var rssKb) && int.TryParse(p[3], out var fds) && long.TryParse(p[4], out var disk))
            {
                list.Add((epoch - StartedAt.ToUnixTimeMilliseconds() / 1000.0, node - 1, rssKb * 1024, fds, disk));
            }
        }

        return list;
    }

    private string Chart(List<(double T, int Node, long Rss, int Fds, long Disk)> resources)
    {
        const int W = 1000, H = 560, L = 60, R = 60, Top = 30, PanelH = 200, Gap = 70;
        var inv = CultureInfo.InvariantCulture;
        var buckets = (int)Math.Ceiling(seconds / 5);
        var rps = new double[buckets];
        var p99 = new double[buckets];
        foreach (var g in samples.GroupBy(s => Math.Min(buckets - 1, (int)(s.Start / 5))))
        {
            rps[g.Key] = g.Count() / 5.0;
            var l = g.Where(x => x.Outcome == Outcome.Ok && x.Kind != "slow-reader").Select(x => x.LatencyMs).Order().ToList();
            p99[g.Key] = l.Count == 0 ? 0 : l[Math.Min(l.Count - 1, (int)Math.Ceiling(0.99 * l.Count) - 1)];
        }

        double X(double t) => L + (t / seconds * (W - L - R));
        var svg = new StringBuilder();
        svg.AppendLine(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" font-family=\"sans-serif\" font-size=\"11\">");
        svg.AppendLine(inv, $"<rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>");
        svg.AppendLine(inv, $"<text x=\"{L}\" y=\"18\" font-size=\"13\">EdgeCache soak: throughput (blue, req/s, left) and p99 latency (red, ms, right) per 5 s; faults shaded</text>");
        var bottom = Top + PanelH;
        var maxRps = Math.Max(1, rps.Max()) * 1.1;
        var maxP99 = Math.Max(1, p99.Max()) * 1.1;
        for (var i = 0; i < faults.Count; i++)
        {
            var f = faults[i];
            if (double.IsNaN(f.Start))
            {
                continue;
            }

            var x1 = X(f.Start);
            var x2 = X(Math.Min(seconds, f.End + FaultGrace));
            svg.AppendLine(inv, $"<rect x=\"{x1:F1}\" y=\"{Top}\" width=\"{Math.Max(2, x2 - x1):F1}\" height=\"{PanelH}\" fill=\"#f0b000\" fill-opacity=\"0.25\"/>");
            svg.AppendLine(inv, $"<text x=\"{x1 + 2:F1}\" y=\"{Top + 12 + (i % 4 * 12)}\" fill=\"#805000\">{f.Name}</text>");
        }

        svg.AppendLine(inv, $"<rect x=\"{L}\" y=\"{Top}\" width=\"{W - L - R}\" height=\"{PanelH}\" fill=\"none\" stroke=\"#888\"/>");
        svg.AppendLine(inv, $"<polyline fill=\"none\" stroke=\"#1f5fbf\" stroke-width=\"1.5\" points=\"{string.Join(' ', rps.Select((v, i) => $"{X(i * 5 + 2.5):F1},{bottom - (v / maxRps * PanelH):F1}"))}\"/>");
        svg.AppendLine(inv, $"<polyline fill=\"none\" stroke=\"#c0302a\" stroke-width=\"1.2\" points=\"{string.Join(' ', p99.Select((v, i) => $"{X(i * 5 + 2.5):F1},{bottom - (v / maxP99 * PanelH):F1}"))}\"/>");
        svg.AppendLine(inv, $"<text x=\"{L - 5}\" y=\"{Top + 10}\" text-anchor=\"end\" fill=\"#1f5fbf\">{maxRps:F0}</text><text x=\"{L - 5}\" y=\"{bottom}\" text-anchor=\"end\">0</text>");
        svg.AppendLine(inv, $"<text x=\"{W - R + 5}\" y=\"{Top + 10}\" fill=\"#c0302a\">{maxP99:F0} ms</text>");

        // Second panel: RSS per node.
        var top2 = bottom + Gap;
        var bottom2 = top2 + PanelH;
        var maxRss = Math.Max(options.RssBudgetBytes, resources.Count > 0 ? resources.Max(r => r.Rss) : 1) * 1.05;
        svg.AppendLine(inv, $"<text x=\"{L}\" y=\"{top2 - 8}\" font-size=\"13\">RSS per node (MiB); dashed: the {options.RssBudgetBytes >> 20} MiB budget</text>");
        svg.AppendLine(inv, $"<rect x=\"{L}\" y=\"{top2}\" width=\"{W - L - R}\" height=\"{PanelH}\" fill=\"none\" stroke=\"#888\"/>");
        var budgetY = bottom2 - (options.RssBudgetBytes / maxRss * PanelH);
        svg.AppendLine(inv, $"<line x1=\"{L}\" x2=\"{W - R}\" y1=\"{budgetY:F1}\" y2=\"{budgetY:F1}\" stroke=\"#444\" stroke-dasharray=\"4 3\"/>");
        string[] colours = ["#1f5fbf", "#2a9d3a", "#9a36b0"];
        for (var n = 0; n < options.Nodes.Count; n++)
        {
            var points = resources.Where(r => r.Node == n && r.T >= 0 && r.T <= seconds).OrderBy(r => r.T).Select(r => $"{X(r.T):F1},{bottom2 - (r.Rss / maxRss * PanelH):F1}");
            svg.AppendLine(inv, $"<polyline fill=\"none\" stroke=\"{colours[n % 3]}\" stroke-width=\"1.5\" points=\"{string.Join(' ', points)}\"/>");
            svg.AppendLine(inv, $"<text x=\"{W - R + 5}\" y=\"{top2 + 14 + n * 14}\" fill=\"{colours[n % 3]}\">node {n + 1}</text>");
        }

        svg.AppendLine(inv, $"<text x=\"{L - 5}\" y=\"{top2 + 10}\" text-anchor=\"end\">{maxRss / (1 << 20):F0}</text><text x=\"{L - 5}\" y=\"{bottom2}\" text-anchor=\"end\">0</text>");
        for (var t = 0; t <= (int)seconds; t += Math.Max(10, (int)seconds / 10 / 10 * 10))
        {
            svg.AppendLine(inv, $"<text x=\"{X(t):F1}\" y=\"{bottom2 + 14}\" text-anchor=\"middle\">{t}s</text>");
        }

        svg.AppendLine("</svg>");
        return svg.ToString();
    }
}
