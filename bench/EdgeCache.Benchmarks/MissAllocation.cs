using System.Globalization;

namespace EdgeCache.Benchmarks;

/// <summary>
/// What one proxy miss allocates, by type (<c>miss-alloc STORE [N] [async]</c>): the <see cref="ProxyMissPathBenchmarks"/> miss run
/// N times after a warm-up, the bytes per miss from the runtime's exact count and their split by type from its
/// allocation samples (one per about 100 KB, so a type's figure is an estimate); then the GC heap an entry keeps.
/// </summary>
internal static class MissAllocation
{
    public static async Task RunAsync(string store, bool asyncOrigin, int count, TextWriter output)
    {
        using var bench = new ProxyMissPathBenchmarks { Store = store, AsyncOrigin = asyncOrigin };
        bench.Setup();
        try
        {
            for (var i = 0; i < 20_000; i++)
            {
                await bench.Miss().ConfigureAwait(false);
            }

            using var sampler = new AllocationSampler();
            sampler.Clear();
            var before = GC.GetTotalAllocatedBytes(precise: true);
            for (var i = 0; i < count; i++)
            {
                await bench.Miss().ConfigureAwait(false);
            }

            var perMiss = (double)(GC.GetTotalAllocatedBytes(precise: true) - before) / count;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{store}{(asyncOrigin ? ", async origin" : "")}: {perMiss:0} B per miss")).ConfigureAwait(false);
            foreach (var (type, share) in sampler.Top(40))
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {share * perMiss,7:0} B  {type}")).ConfigureAwait(false);
            }
        }
        finally
        {
            bench.Cleanup();
        }
    }
}
