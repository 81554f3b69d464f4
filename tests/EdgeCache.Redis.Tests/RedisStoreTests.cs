using System.Text;
using EdgeCache.Storage;
using StackExchange.Redis;

namespace EdgeCache.Redis.Tests;

/// <summary>The Redis tier against every configured server (Garnet in-process; redis-server and a Cluster when named).</summary>
public sealed class RedisStoreTests
{
    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task Stored_entry_is_read_back_with_its_metadata_and_body(string target)
    {
        await using var node = await TestNode.StartAsync(RedisTargets.Configuration(target), Entries.Prefix());
        var metadata = Entries.Metadata("https://example.com/a", null, "t1", "t2");
        var body = Encoding.UTF8.GetBytes("the body");

        Assert.True(await Entries.PutAsync(node.Store, metadata, body));
        var entry = await node.Store.GetAsync("https://example.com/a");

        Assert.NotNull(entry);
        Assert.Equal("https://example.com/a", entry.Metadata.Key);
        Assert.Equal(["t1", "t2"], entry.Metadata.Tags);
        Assert.Equal(metadata.Headers, entry.Metadata.Headers);
        Assert.Equal(body.Length, entry.Metadata.BodyLength);
        Assert.False(entry.Metadata.Invalidated);
        Assert.True(entry.TryGetMemory(out var memory));
        Assert.Equal(body, memory.ToArray());
        Assert.Null(await node.Store.GetAsync("https://example.com/other"));
        Assert.Equal(1, node.Store.GetStatistics().Hits);
        Assert.Equal(1, node.Store.GetStatistics().Misses);
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task Entry_carries_a_redis_ttl_up_to_its_expiry_and_is_gone_after_it(string target)
    {
        var prefix = Entries.Prefix();
        await using var node = await TestNode.StartAsync(RedisTargets.Configuration(target), prefix);
        var metadata = Entries.Metadata("https://example.com/short", TimeSpan.FromMilliseconds(1500));

        Assert.True(await Entries.PutAsync(node.Store, metadata, [1, 2, 3]));
        var ttl = await node.Connection.Multiplexer!.GetDatabase().KeyTimeToLiveAsync(prefix + "e:{" + RedisKeys.Id(metadata.Key) + "}");
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1500));
        Assert.NotNull(await node.Store.GetAsync(metadata.Key));

        await Task.Delay(TimeSpan.FromMilliseconds(1700));
        Assert.Null(await node.Store.GetAsync(metadata.Key));
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task Index_ttl_grows_to_its_longest_lived_entry_and_never_shrinks(string target)
    {
        var prefix = Entries.Prefix();
        await using var node = await TestNode.StartAsync(RedisTargets.Configuration(target), prefix);
        var db = node.Connection.Multiplexer!.GetDatabase();
        var hostIndex = prefix + "h:example.com";
        var tagIndex = prefix + "t:shared";

        Assert.True(await Entries.PutAsync(node.Store, Entries.Metadata("https://example.com/1", TimeSpan.FromMinutes(1), "shared"), [1]));
        Assert.InRange((await db.KeyTimeToLiveAsync(hostIndex))!.Value, TimeSpan.FromSeconds(50), TimeSpan.FromMinutes(1));
        Assert.True(await Entries.PutAsync(node.Store, Entries.Metadata("https://example.com/2", TimeSpan.FromMinutes(10), "shared"), [2]));
        Assert.True(await Entries.PutAsync(node.Store, Entries.Metadata("https://example.com/3", TimeSpan.FromMinutes(2), "shared"), [3]));

        foreach (var index in new[] { hostIndex, tagIndex })
        {
            Assert.InRange((await db.KeyTimeToLiveAsync(index))!.Value, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
            Assert.Equal(3, await db.SortedSetLengthAsync(index));
        }
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task Object_over_the_tier_limit_is_declined_and_not_stored(string target)
    {
        await using var node = await TestNode.StartAsync(
            RedisTargets.Configuration(target), Entries.Prefix(), o => new RedisTierOptions
            {
                Configuration = o.Configuration, KeyPrefix = o.KeyPrefix, OperationTimeout = o.OperationTimeout, MaxObjectSize = 1000,
            });

        // Known length above the limit: declined up front.
        Assert.Null(await node.Store.BeginWriteAsync(Entries.Metadata("https://example.com/big") with { BodyLength = 1001 }));

        // Unknown length that outgrows the limit: the writer gives up.
        await using (var writer = await node.Store.BeginWriteAsync(Entries.Metadata("https://example.com/big")))
        {
            Assert.NotNull(writer);
            Assert.True(await writer.WriteAsync(new byte[600]));
            Assert.False(await writer.WriteAsync(new byte[600]));
            Assert.False(await writer.CommitAsync());
        }

        Assert.Null(await node.Store.GetAsync("https://example.com/big"));
        Assert.True(await Entries.PutAsync(node.Store, Entries.Metadata("https://example.com/small"), new byte[1000]));
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task Write_that_is_not_committed_leaves_no_entry(string target)
    {
        await using var node = await TestNode.StartAsync(RedisTargets.Configuration(target), Entries.Prefix());
        await using (var writer = await node.Store.BeginWriteAsync(Entries.Metadata("https://example.com/abandoned")))
        {
            Assert.NotNull(writer);
            Assert.True(await writer.WriteAsync(new byte[10]));
        }

        Assert.Null(await node.Store.GetAsync("https://example.com/abandoned"));
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task Delete_removes_the_entry(string target)
    {
        await using var node = await TestNode.StartAsync(RedisTargets.Configuration(target), Entries.Prefix());
        Assert.True(await Entries.PutAsync(node.Store, "https://example.com/d"));

        Assert.True(await node.Store.DeleteAsync("https://example.com/d"));
        Assert.False(await node.Store.DeleteAsync("https://example.com/d"));
        Assert.Null(await node.Store.GetAsync("https://example.com/d"));
    }

    public static TheoryData<string, string, string, bool> PurgeCases()
    {
        var data = new TheoryData<string, string, string, bool>();
        foreach (var target in RedisTargets.All)
        {
            foreach (var soft in new[] { false, true })
            {
                data.Add(target, nameof(PurgeKind.Tag), "blue", soft);
                data.Add(target, nameof(PurgeKind.Host), "Other.Example", soft);
                data.Add(target, nameof(PurgeKind.Prefix), "https://example.com/blog/", soft);
                data.Add(target, nameof(PurgeKind.Prefix), "https://exam", soft);
                data.Add(target, nameof(PurgeKind.Url), "https://example.com/blog/one", soft);
                data.Add(target, nameof(PurgeKind.Everything), "", soft);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PurgeCases))]
    public async Task Purge_selects_exactly_the_entries_the_request_names(string target, string kind, string value, bool soft)
    {
        await using var node = await TestNode.StartAsync(RedisTargets.Configuration(target), Entries.Prefix());
        string[] urls =
        [
            "https://example.com/blog/one", "https://example.com/blog/two", "https://example.com/shop",
            "https://other.example/blog/one", "http://example.com/blog/one",
        ];
        var entries = new List<EntryMetadata>();
        for (var i = 0; i < urls.Length; i++)
        {
            var metadata = Entries.Metadata(urls[i], null, i % 2 == 0 ? ["blue", "all"] : ["all"]);
            Assert.True(await Entries.PutAsync(node.Store, metadata, [(byte)i]));
            entries.Add(metadata);
        }

        var purge = new PurgeRequest(Enum.Parse<PurgeKind>(kind), value, soft);
        var purged = await node.Store.PurgeAsync(purge);

        var expected = entries.Where(purge.Matches).Select(e => e.Key).ToHashSet();
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Count, purged);
        foreach (var metadata in entries)
        {
            var entry = await node.Store.GetAsync(metadata.Key);
            if (!expected.Contains(metadata.Key))
            {
                Assert.NotNull(entry);
                Assert.False(entry.Metadata.Invalidated);
            }
            else if (soft)
            {
                Assert.NotNull(entry);
                Assert.True(entry.Metadata.Invalidated, metadata.Key);
            }
            else
            {
                Assert.Null(entry);
            }
        }

        // A purged key stored again is a normal entry.
        Assert.True(await Entries.PutAsync(node.Store, entries[0], [9]));
        var again = await node.Store.GetAsync(entries[0].Key);
        Assert.NotNull(again);
        Assert.False(again.Metadata.Invalidated);
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task Corrupt_entry_in_redis_is_a_miss(string target)
    {
        var prefix = Entries.Prefix();
        await using var node = await TestNode.StartAsync(RedisTargets.Configuration(target), prefix);
        var key = prefix + "e:{" + RedisKeys.Id("https://example.com/corrupt") + "}";
        var db = node.Connection.Multiplexer!.GetDatabase();
        await db.HashSetAsync(key, [new HashEntry("m", new byte[] { 1, 200, 3 }), new HashEntry("b", "x")]);
        await db.KeyExpireAsync(key, TimeSpan.FromMinutes(1));

        Assert.Null(await node.Store.GetAsync("https://example.com/corrupt"));
    }
}
