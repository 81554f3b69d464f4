namespace EdgeCache.Storage;

/// <summary>An optional capability of a store made of tiers: the statistics of each tier.</summary>
public interface ITieredStoreStatistics
{
    /// <summary>One snapshot per tier, top tier first.</summary>
    IReadOnlyList<StoreStatistics> GetTierStatistics();
}
