using System.Globalization;
using EdgeCache.Storage;

namespace EdgeCache.Benchmarks;

/// <summary>
/// Hit ratio of the memory tier's SIEVE (the real <see cref="MemoryStore"/>) against LRU on Zipf-distributed
/// traces: every object the same size, a miss inserts the object.
/// </summary>
internal static class HitRatioSimulation
{
    private const int Objects = 100_000;
    private const int Requests = 1_000_000;

    public static async Task RunAsync(TextWriter output)
    {
        await output.WriteLineAsync($"Zipf trace: {Objects:N0} objects, {Requests:N0} requests, unit-size objects, seed 1").ConfigureAwait(false);
        await output.WriteLineAsync("| Zipf alpha | Cache size (objects) | SIEVE hit ratio | LRU hit ratio | SIEVE - LRU |").ConfigureAwait(false);
        await output.WriteLineAsync("|---|---|---|---|---|").ConfigureAwait(false);
        foreach (var alpha in new[] { 0.8, 1.0, 1.2 })
        {
            var trace = Zipf(alpha, Objects, Requests, seed: 1);
            foreach (var fraction in new[] { 0.001, 0.01, 0.1 })
            {
                var capacity = (int)(Objects * fraction);
                var sieve = await SieveAsync(trace, capacity).ConfigureAwait(false);
                var lru = Lru(trace, capacity);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"| {alpha:0.0} | {capacity:N0} ({fraction:P1}) | {sieve:P2} | {lru:P2} | {(sieve - lru) * 100:+0.00;-0.00} pt |")).ConfigureAwait(false);
            }
        }
    }

    internal static int[] Zipf(double alpha, int objects, int requests, int seed)
    {
        var cdf = new double[objects];
        double sum = 0;
        for (var i = 0; i < objects; i++)
        {
            sum += 1 / Math.Pow(i + 1, alpha);
            cdf[i] = sum;
        }

        // Popularity rank and object id are decoupled, so ids carry no order a policy could exploit.
        var ids = Enumerable.Range(0, objects).ToArray();
        var random = new Random(seed);
        random.Shuffle(ids);
        var trace = new int[requests];
        for (var r = 0; r < requests; r++)
        {
            var index = Array.BinarySearch(cdf, random.NextDouble() * sum);
            trace[r] = ids[index < 0 ? ~index : index];
        }

        return trace;
    }

    private static async Task<double> SieveAsync(int[] trace, int capacity)
    {
        var keys = Enumerable.Range(0, Objects).Select(i => $"https://zipf.example/{i:D6}").ToArray();
        var body = new byte[100];

        // Budget for exactly `capacity` objects: the store charges 256 bytes plus the key (UTF-16) plus the body.
        var charge = 256 + (keys[0].Length * 2) + body.Length;
        var store = new MemoryStore(new MemoryStoreOptions { SizeLimit = (long)charge * capacity, MaxObjectSize = body.Length });
        long hits = 0;
        foreach (var id in trace)
        {
            if (await store.GetAsync(keys[id]).ConfigureAwait(false) is not null)
            {
                hits++;
            }
            else
            {
                await BenchData.PutAsync(store, BenchData.Metadata(keys[id]), body).ConfigureAwait(false);
            }
        }

        return (double)hits / trace.Length;
    }

    private static double Lru(int[] trace, int capacity)
    {
        var lru = new LruCache(capacity);
        long hits = 0;
        foreach (var id in trace)
        {
            if (lru.Get(id))
            {
                hits++;
            }
            else
            {
                lru.Put(id);
            }
        }

        return (double)hits / trace.Length;
    }
}
