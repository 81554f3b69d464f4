using BenchmarkDotNet.Running;
using EdgeCache.Benchmarks;

// `hitratio` and `overhead` are simulations that print tables; anything else goes to BenchmarkDotNet.
switch (args.FirstOrDefault())
{
    case "hitratio":
        await HitRatioSimulation.RunAsync(Console.Out).ConfigureAwait(false);
        break;
    case "overhead":
        await MemoryOverhead.RunAsync(Console.Out).ConfigureAwait(false);
        break;
    default:
        BenchmarkSwitcher.FromAssembly(typeof(StoreBenchmarks).Assembly).Run(args);
        break;
}
