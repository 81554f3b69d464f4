namespace EdgeCache.Redis.Tests;

/// <summary>
/// Tests that stop and restart servers, or measure how long calls take: run alone, after the
/// parallel tests, so a busy machine does not blur what they check.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServerLifecycleCollection
{
    public const string Name = "Server lifecycle";
}
