using EdgeCache.Storage;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Tests.Storage;

public sealed class MemoryStoreConcurrencyTests
{
    /// <summary>
    /// A hit that finds an entry while an insert evicts it must either not return it or return it with its body still
    /// leasable: the eviction keeps a body hit within the removal grace, and the hit is recorded before the reader looks
    /// whether the entry is still there (session 16: first-hit promotions reset about one connection in 20,000 when a
    /// reader's find came before the eviction and its hit time after it, and the block was freed at once).
    /// </summary>
    [Fact]
    public async Task A_hit_racing_the_eviction_of_its_entry_never_returns_a_body_already_released()
    {
        var time = new FakeTimeProvider(StoreTestData.Epoch);
        // Room for about 16 bodies of 4 KB: every insert evicts one, mostly a recent one, the entries readers look for.
        var store = new MemoryStore(new MemoryStoreOptions { SizeLimit = 80 * 1024, MaxObjectSize = 8 * 1024 }, time);
        // Until the readers had this many hits (bounded by a number of inserts): the race is a few hits in 100,000.
        const int Hits = 300_000;
        const int MaxInserts = 5_000_000;
        var stop = 0;
        var written = 0;
        var released = 0;
        var hits = 0;
        using var clock = new ReaderWriterLockSlim();
        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            var random = new Random(r);
            while (Volatile.Read(ref stop) == 0)
            {
                var key = $"https://evicted.example/{Math.Max(0, Volatile.Read(ref written) - random.Next(24))}";

                // The clock stands still from the hit to the lease, as it does within the microseconds a real one takes.
                clock.EnterReadLock();
                try
                {
                    if (store.GetAsync(key).Result is not { } entry)
                    {
                        continue;
                    }

                    Interlocked.Increment(ref hits);
                    if (entry.TryAcquireMemory(out _))
                    {
                        entry.ReleaseMemory();
                    }
                    else
                    {
                        Interlocked.Increment(ref released);
                    }
                }
                finally
                {
                    clock.ExitReadLock();
                }
            }
        })).ToArray();

        var body = new byte[4000];
        for (var i = 0; i < MaxInserts && Volatile.Read(ref hits) < Hits; i++)
        {
            await StoreTestData.PutAsync(store, StoreTestData.Metadata($"https://evicted.example/{i}", ttl: TimeSpan.FromDays(30), now: time.GetUtcNow()), body);
            Volatile.Write(ref written, i + 1);
            if (i % 64 == 0)
            {
                // Older hits fall out of the grace: their entries' evictions free the body at once.
                clock.EnterWriteLock();
                time.Advance(TimeSpan.FromSeconds(2));
                clock.ExitWriteLock();
            }
        }

        Volatile.Write(ref stop, 1);
        await Task.WhenAll(readers);
        Assert.True(hits >= Hits, $"{hits} hits");
        Assert.Equal(0, released);
    }

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
