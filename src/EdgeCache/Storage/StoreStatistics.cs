namespace EdgeCache.Storage;

/// <summary>A snapshot of a store's counters.</summary>
/// <param name="Name">The tier's name (memory, disk, redis, tiered).</param>
/// <param name="Entries">Entries held now.</param>
/// <param name="Bytes">Bytes held now (bodies plus an estimate of metadata).</param>
/// <param name="CapacityBytes">The byte budget.</param>
/// <param name="Hits">Lookups that found an entry.</param>
/// <param name="Misses">Lookups that found nothing.</param>
/// <param name="Evictions">Entries dropped to make room.</param>
public sealed record StoreStatistics(
    string Name, long Entries, long Bytes, long CapacityBytes, long Hits, long Misses, long Evictions);
