using EdgeCache.Storage;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Tests.Storage;

public sealed class MemoryStoreConcurrencyTests
{
    [Fact]
    public async Task Readers_racing_inserts_evictions_and_table_growth_only_ever_get_the_entry_of_their_key()
    {
        var store = new MemoryStore(new MemoryStoreOptions { SizeLimit = 4L * 1024 * 1024, MaxObjectSize = 1024 }, new FakeTimeProvider(StoreTestData.Epoch));
        var stable = Enumerable.Range(0, 100).Select(i => $"https://stable.example/{i}").ToArray();
        foreach (var key in stable)
        {
            await StoreTestData.PutAsync(store, StoreTestData.Metadata(key), [1]);
        }

        using var done = new CancellationTokenSource();
        var wrong = 0;
        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            var random = new Random(r);
            while (!done.IsCancellationRequested)
            {
                var key = random.Next(2) == 0 ? stable[random.Next(stable.Length)] : $"https://churn.example/{random.Next(20_000)}";
                var entry = store.GetAsync(key).Result;
                if (entry is not null && entry.Metadata.Key != key)
                {
                    Interlocked.Increment(ref wrong);
                }
            }
        })).ToArray();

        // 20 000 inserts of about 400 bytes each into a 4 MB budget: the table grows and SIEVE evicts throughout.
        for (var i = 0; i < 20_000; i++)
        {
            await StoreTestData.PutAsync(store, StoreTestData.Metadata($"https://churn.example/{i}"), new byte[100]);
            if (i % 5000 == 0)
            {
                await store.PurgeAsync(new PurgeRequest(PurgeKind.Prefix, $"https://churn.example/{i / 2}", Soft: true));
            }
        }

        await done.CancelAsync();
        await Task.WhenAll(readers);

        Assert.Equal(0, wrong);
        Assert.InRange(store.Bytes, 1, 4L * 1024 * 1024);
        var statistics = store.GetStatistics();
        Assert.Equal(statistics.Entries, store.Count);
        var found = 0;
        for (var i = 0; i < 20_000; i++)
        {
            if (await store.GetAsync($"https://churn.example/{i}") is { } entry)
            {
                Assert.Equal($"https://churn.example/{i}", entry.Metadata.Key);
                found++;
            }
        }

        found += (await Task.WhenAll(stable.Select(k => store.GetAsync(k).AsTask()))).Count(e => e is not null);
        Assert.Equal(store.Count, found);
    }
}
