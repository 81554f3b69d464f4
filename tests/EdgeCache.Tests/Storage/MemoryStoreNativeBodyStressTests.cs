using System.Buffers.Binary;
using EdgeCache.Storage;

namespace EdgeCache.Tests.Storage;

/// <summary>
/// Readers leasing and streaming native bodies while writers overwrite, delete and purge the same keys in a tier
/// small enough to evict all the time: every body read is checked by the checksum it carries and against the key it
/// was found under, so a block freed and reused under a reader (one response's bytes served for another) fails it.
/// </summary>
public sealed class MemoryStoreNativeBodyStressTests
{
    private const int Keys = 48;

    [Fact]
    public async Task Concurrent_readers_never_see_another_entry_s_bytes_while_entries_are_overwritten_evicted_and_purged()
    {
        var store = new MemoryStore(new MemoryStoreOptions { SizeLimit = 384 * 1024 });
        store.Arena.PoisonOnFree = 0xDB;

        // No grace: only the readers' own references keep a removed body, so a missing or early release shows.
        store.RemovalGrace = TimeSpan.Zero;
        var version = 0;
        var reads = 0L;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));

        async Task WriteLoop(int seed)
        {
            var random = new Random(seed);
            while (!stop.IsCancellationRequested)
            {
                var key = random.Next(Keys);
                switch (random.Next(20))
                {
                    case 0:
                        await store.DeleteAsync(Url(key));
                        break;
                    case 1:
                        await store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "k" + (key % 4)));
                        break;
                    default:
                        var v = Interlocked.Increment(ref version);
                        var body = Body(key, v);
                        var metadata = StoreTestData.Metadata(Url(key), tags: ["k" + (key % 4)], now: DateTimeOffset.UtcNow);
                        await StoreTestData.PutAsync(store, random.Next(2) == 0 ? metadata with { BodyLength = body.Length } : metadata, body, chunkSize: 4096);
                        break;
                }

                await Task.Yield();
            }
        }

        async Task ReadLoop(int seed)
        {
            var random = new Random(seed);
            while (!stop.IsCancellationRequested)
            {
                var key = random.Next(Keys);
                if (await store.GetAsync(Url(key)) is not { } entry)
                {
                    continue;
                }

                if (random.Next(4) == 0)
                {
                    // A stream, read slowly in pieces with yields between (a slow client).
                    try
                    {
                        await using var stream = entry.OpenBody();
                        using var copy = new MemoryStream();
                        var piece = new byte[1500];
                        int n;
                        while ((n = await stream.ReadAsync(piece)) > 0)
                        {
                            copy.Write(piece, 0, n);
                            await Task.Yield();
                        }

                        Check(key, entry.Metadata.BodyLength, copy.ToArray(), failures);
                    }
                    catch (IOException)
                    {
                        // Removed and released before the stream could take its reference: a miss, not wrong bytes.
                    }

                    Interlocked.Increment(ref reads);
                    continue;
                }

                if (!entry.TryAcquireMemory(out var memory))
                {
                    // Removed and released between the lookup and the lease: a miss, never wrong bytes.
                    continue;
                }

                try
                {
                    Check(key, entry.Metadata.BodyLength, memory.Span, failures);

                    // Held across yields while writers churn: the bytes must not change under the lease.
                    for (var i = 0; i < random.Next(3); i++)
                    {
                        await Task.Yield();
                    }

                    Check(key, entry.Metadata.BodyLength, memory.Span, failures);
                }
                finally
                {
                    entry.ReleaseMemory();
                }

                Interlocked.Increment(ref reads);
            }
        }

        var tasks = new List<Task>();
        for (var i = 0; i < 2; i++)
        {
            var seed = i;
            tasks.Add(Task.Run(() => WriteLoop(seed)));
        }

        for (var i = 0; i < 4; i++)
        {
            var seed = 100 + i;
            tasks.Add(Task.Run(() => ReadLoop(seed)));
        }

        await Task.WhenAll(tasks);
        await store.DisposeAsync();

        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(5)));
        Assert.True(reads > 100, $"only {reads} reads");
        Assert.True(Volatile.Read(ref version) > 100, $"only {version} writes");

        // Every block given back: the tier's and every reader's reference.
        Assert.Equal(0, store.NativeBodyBytes);
        Assert.Equal(0, store.NativeSlabBytes);
    }

    private static string Url(int key) => $"https://example.com/stress/{key}";

    /// <summary>Key, version, length, pseudo-random bytes, and an FNV-1a checksum of all that in the last 8 bytes.</summary>
    private static byte[] Body(int key, int version)
    {
        var length = 64 + ((key * 7919) + (version * 104_729)) % 40_000;
        var body = new byte[length];
        new Random(version).NextBytes(body.AsSpan(12, length - 20));
        BinaryPrimitives.WriteInt32LittleEndian(body, key);
        BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(4), version);
        BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(8), length);
        BinaryPrimitives.WriteUInt64LittleEndian(body.AsSpan(length - 8), Fnv(body.AsSpan(0, length - 8)));
        return body;
    }

    private static void Check(int key, long declared, ReadOnlySpan<byte> body, System.Collections.Concurrent.ConcurrentQueue<string> failures)
    {
        if (body.Length != declared || body.Length < 20)
        {
            failures.Enqueue($"key {key}: {body.Length} bytes, the entry says {declared}");
            return;
        }

        var ownKey = BinaryPrimitives.ReadInt32LittleEndian(body);
        var length = BinaryPrimitives.ReadInt32LittleEndian(body[8..]);
        var sum = BinaryPrimitives.ReadUInt64LittleEndian(body[^8..]);
        if (ownKey != key || length != body.Length || sum != Fnv(body[..^8]))
        {
            failures.Enqueue($"key {key}: read a body of key {ownKey}, length {length} (of {body.Length}), checksum {(sum == Fnv(body[..^8]) ? "right" : "wrong")}");
        }
    }

    private static ulong Fnv(ReadOnlySpan<byte> bytes)
    {
        var hash = 14_695_981_039_346_656_037UL;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 1_099_511_628_211UL;
        }

        return hash;
    }
}
