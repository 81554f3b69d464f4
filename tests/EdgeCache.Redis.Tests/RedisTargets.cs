namespace EdgeCache.Redis.Tests;

/// <summary>
/// The servers the Redis-protocol tests run against: always the in-process Garnet server; also a
/// real redis-server when <c>EDGECACHE_TEST_REDIS</c> is set and a Redis Cluster when
/// <c>EDGECACHE_TEST_REDIS_CLUSTER</c> is set (comma-separated endpoints). A target that is named
/// but unreachable fails its tests; it is never skipped.
/// </summary>
public static class RedisTargets
{
    public const string Garnet = "garnet";
    public const string Redis = "redis";
    public const string Cluster = "cluster";

    public static TheoryData<string> All
    {
        get
        {
            var targets = new TheoryData<string> { Garnet };
            if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("EDGECACHE_TEST_REDIS")))
            {
                targets.Add(Redis);
            }

            if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("EDGECACHE_TEST_REDIS_CLUSTER")))
            {
                targets.Add(Cluster);
            }

            return targets;
        }
    }

    public static string Configuration(string target) => target switch
    {
        Garnet => GarnetHost.Shared.Configuration,
        Redis => Environment.GetEnvironmentVariable("EDGECACHE_TEST_REDIS")!,
        Cluster => Environment.GetEnvironmentVariable("EDGECACHE_TEST_REDIS_CLUSTER")!,
        _ => throw new ArgumentOutOfRangeException(nameof(target)),
    };
}
