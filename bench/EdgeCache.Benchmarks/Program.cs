using BenchmarkDotNet.Running;
using EdgeCache.Benchmarks;

// `hitratio` and `overhead` are simulations that print tables, `js-cpu` a JavaScript worker's CPU per request,
// `disk-commit` the disk tier's CPU per 1 KB write including its row's commit, `disk-miss` its CPU per lookup of an absent key,
// `disk-hit ROWS LOOKUPS SIZE` its CPU per hit that its lookup cache does not answer,
// `miss-alloc` what a proxy miss allocates by type;
// anything else goes to BenchmarkDotNet.
switch (args.FirstOrDefault())
{
    case "hitratio":
        await HitRatioSimulation.RunAsync(Console.Out).ConfigureAwait(false);
        break;
    case "overhead":
        await MemoryOverhead.RunAsync(Console.Out).ConfigureAwait(false);
        break;
    case "js-cpu":
        await JavaScriptWorkerCpu.RunAsync(args.ElementAtOrDefault(1) ?? "example-hit", int.Parse(args.ElementAtOrDefault(2) ?? "20000", System.Globalization.CultureInfo.InvariantCulture), args.ElementAtOrDefault(3) == "alloc", Console.Out).ConfigureAwait(false);
        break;
    case "disk-commit":
        await DiskCommitCpu.RunAsync(int.Parse(args.ElementAtOrDefault(1) ?? "20000", System.Globalization.CultureInfo.InvariantCulture), Console.Out).ConfigureAwait(false);
        break;
    case "miss-alloc":
        await MissAllocation.RunAsync(args.ElementAtOrDefault(1) ?? "memory", args.ElementAtOrDefault(3) == "async", int.Parse(args.ElementAtOrDefault(2) ?? "100000", System.Globalization.CultureInfo.InvariantCulture), Console.Out).ConfigureAwait(false);
        break;
    case "disk-hit":
        await DiskHitCpu.RunAsync(
            int.Parse(args.ElementAtOrDefault(1) ?? "50000", System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(args.ElementAtOrDefault(2) ?? "100000", System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(args.ElementAtOrDefault(3) ?? "1024", System.Globalization.CultureInfo.InvariantCulture),
            Console.Out).ConfigureAwait(false);
        break;
    case "disk-miss":
        await DiskMissCpu.RunAsync(int.Parse(args.ElementAtOrDefault(1) ?? "100000", System.Globalization.CultureInfo.InvariantCulture), int.Parse(args.ElementAtOrDefault(2) ?? "200000", System.Globalization.CultureInfo.InvariantCulture), Console.Out).ConfigureAwait(false);
        break;
    default:
        BenchmarkSwitcher.FromAssembly(typeof(StoreBenchmarks).Assembly).Run(args);
        break;
}
