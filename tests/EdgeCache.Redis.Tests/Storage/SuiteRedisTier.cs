namespace EdgeCache.Redis.Tests.Storage;

/// <summary>
/// A Redis tier for the store behaviour suite: a real redis-server when <c>EDGECACHE_TEST_REDIS</c> names
/// one, else the in-process Garnet server; a key prefix of its own so that stores never see each other's
/// entries; the suite's fake clock for expiry.
/// </summary>
internal static class SuiteRedisTier
{
    public static RedisTier Connect(TimeProvider time, long maxObjectSize)
    {
        var configuration = RedisTargets.Configuration(
            string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("EDGECACHE_TEST_REDIS")) ? RedisTargets.Garnet : RedisTargets.Redis);
        var tier = new RedisTier(
            new RedisTierOptions
            {
                Configuration = configuration,
                KeyPrefix = Entries.Prefix(),
                MaxObjectSize = maxObjectSize,
                OperationTimeout = TimeSpan.FromSeconds(5),
                ConnectTimeout = TimeSpan.FromSeconds(5),

                // The suite moves its fake clock on; the lease (checked on it) must not run out under it.
                PurgeLogLease = TimeSpan.FromDays(30),
            },
            timeProvider: time);

        // The suite creates stores synchronously; a store that cannot connect fails its test, never skips it.
        Assert.True(tier.Connection.WaitForConnectionAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult(), $"Redis at {configuration} is unreachable");
        return tier;
    }

    /// <summary>Waits (real time, bounded) until the tier's backplane has read the purge log: before that a node serves nothing local.</summary>
    public static void WaitUntilCaughtUp(RedisTier tier)
    {
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        while (!tier.Backplane.LocalTiersCurrent)
        {
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), "the backplane did not read the purge log");
            Thread.Sleep(5);
        }
    }
}
