using System.Text;

namespace EdgeCache.Redis.Tests;

public sealed class FillLockTests
{
    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task Only_one_node_gets_the_fill_lock_until_it_releases_it(string target)
    {
        var prefix = Entries.Prefix();
        await using var a = await TestNode.StartAsync(RedisTargets.Configuration(target), prefix);
        await using var b = await TestNode.StartAsync(RedisTargets.Configuration(target), prefix);

        var lease = await a.FillLock.TryAcquireFillLockAsync("https://example.com/k");
        Assert.NotNull(lease);
        Assert.True(lease.IsShared);
        Assert.Null(await b.FillLock.TryAcquireFillLockAsync("https://example.com/k"));
        Assert.NotNull(await b.FillLock.TryAcquireFillLockAsync("https://example.com/other"));
        Assert.False(await b.FillLock.WaitForFillAsync("https://example.com/k", TimeSpan.FromMilliseconds(100)));

        var waiting = b.FillLock.WaitForFillAsync("https://example.com/k", TimeSpan.FromSeconds(10)).AsTask();
        await lease.DisposeAsync();
        Assert.True(await waiting);
        await using var second = await b.FillLock.TryAcquireFillLockAsync("https://example.com/k");
        Assert.NotNull(second);
        Assert.True(second.IsShared);
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task Expired_lease_taken_over_by_another_node_is_not_released_by_its_old_holder(string target)
    {
        var prefix = Entries.Prefix();
        Func<RedisTierOptions, RedisTierOptions> shortLock = o => new RedisTierOptions
        {
            Configuration = o.Configuration, KeyPrefix = o.KeyPrefix, OperationTimeout = o.OperationTimeout, FillLockDuration = TimeSpan.FromMilliseconds(200),
        };
        // Only the old holder's lease is short: the new holder's must outlive the rest of the test, however slow the machine.
        Func<RedisTierOptions, RedisTierOptions> longLock = o => new RedisTierOptions
        {
            Configuration = o.Configuration, KeyPrefix = o.KeyPrefix, OperationTimeout = o.OperationTimeout, FillLockDuration = TimeSpan.FromSeconds(60),
        };
        await using var a = await TestNode.StartAsync(RedisTargets.Configuration(target), prefix, shortLock);
        await using var b = await TestNode.StartAsync(RedisTargets.Configuration(target), prefix, longLock);

        var old = await a.FillLock.TryAcquireFillLockAsync("https://example.com/k");
        Assert.NotNull(old);
        Assert.True(await b.FillLock.WaitForFillAsync("https://example.com/k", TimeSpan.FromSeconds(10)));
        var current = await b.FillLock.TryAcquireFillLockAsync("https://example.com/k");
        Assert.NotNull(current);

        await old.DisposeAsync();
        Assert.Null(await a.FillLock.TryAcquireFillLockAsync("https://example.com/k"));
        await current.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task Five_nodes_missing_the_same_key_make_one_origin_request(string target)
    {
        var prefix = Entries.Prefix();
        var nodes = new List<TestNode>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                nodes.Add(await TestNode.StartAsync(RedisTargets.Configuration(target), prefix));
            }

            var originRequests = 0;
            const string key = "https://example.com/popular";
            async Task<string?> FetchAsync(TestNode node)
            {
                if (await Entries.BodyAsync(node.Store, key) is { } hit)
                {
                    return hit;
                }

                await using (var lease = await node.FillLock.TryAcquireFillLockAsync(key))
                {
                    if (lease is not null)
                    {
                        Interlocked.Increment(ref originRequests);
                        await Task.Delay(200); // the origin is slow
                        await Entries.PutAsync(node.Store, Entries.Metadata(key), Encoding.UTF8.GetBytes("from origin"));
                        return "from origin";
                    }
                }

                await node.FillLock.WaitForFillAsync(key, TimeSpan.FromSeconds(10));
                return await Entries.BodyAsync(node.Store, key);
            }

            var bodies = await Task.WhenAll(nodes.Select(FetchAsync));

            Assert.Equal(1, originRequests);
            Assert.All(bodies, body => Assert.Equal("from origin", body));
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }
}
