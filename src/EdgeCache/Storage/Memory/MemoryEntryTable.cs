namespace EdgeCache.Storage;

/// <summary>
/// The memory tier's key index: a chained hash table whose chains run through the entries themselves
/// (<see cref="MemoryCacheEntry.NextInBucket"/>), so an entry costs no extra node object.
/// </summary>
/// <remarks>
/// One writer at a time (the store's lock) and lock-free readers. A writer never clears the chain link
/// of an entry it unlinks, so a reader standing on it walks on; a reader racing a resize may miss a
/// key (a cache miss, never a wrong entry: keys are compared whole) but always terminates, because a
/// relinked entry only ever points at entries relinked before it.
/// </remarks>
internal sealed class MemoryEntryTable
{
    private MemoryCacheEntry?[] _buckets = new MemoryCacheEntry?[16];
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public MemoryCacheEntry? Find(string key)
    {
        var buckets = Volatile.Read(ref _buckets);
        var entry = Volatile.Read(ref buckets[IndexOf(key, buckets.Length)]);
        while (entry is not null)
        {
            if (string.Equals(entry.Metadata.Key, key, StringComparison.Ordinal))
            {
                return entry;
            }

            entry = Volatile.Read(ref entry.NextInBucket);
        }

        return null;
    }

    /// <summary>Adds an entry whose key is not in the table (writer only).</summary>
    public void Add(MemoryCacheEntry entry)
    {
        if (_count >= _buckets.Length)
        {
            Grow();
        }

        var buckets = _buckets;
        var index = IndexOf(entry.Metadata.Key, buckets.Length);
        entry.NextInBucket = buckets[index];
        Volatile.Write(ref buckets[index], entry);
        _count++;
    }

    /// <summary>Unlinks an entry (writer only); <see langword="false"/> if it is not in the table.</summary>
    public bool Remove(MemoryCacheEntry entry) => Swap(entry, null);

    /// <summary>Puts <paramref name="replacement"/> (same key) where <paramref name="current"/> is (writer only).</summary>
    public bool Replace(MemoryCacheEntry current, MemoryCacheEntry replacement) => Swap(current, replacement);

    private bool Swap(MemoryCacheEntry entry, MemoryCacheEntry? replacement)
    {
        var buckets = _buckets;
        var index = IndexOf(entry.Metadata.Key, buckets.Length);
        MemoryCacheEntry? previous = null;
        var node = buckets[index];
        while (node is not null && !ReferenceEquals(node, entry))
        {
            previous = node;
            node = node.NextInBucket;
        }

        if (node is null)
        {
            return false;
        }

        MemoryCacheEntry? next;
        if (replacement is null)
        {
            next = entry.NextInBucket;
            _count--;
        }
        else
        {
            replacement.NextInBucket = entry.NextInBucket;
            next = replacement;
        }

        if (previous is null)
        {
            Volatile.Write(ref buckets[index], next);
        }
        else
        {
            Volatile.Write(ref previous.NextInBucket, next);
        }

        return true;
    }

    private void Grow()
    {
        var old = _buckets;
        var buckets = new MemoryCacheEntry?[old.Length * 2];
        foreach (var head in old)
        {
            var entry = head;
            while (entry is not null)
            {
                var next = entry.NextInBucket;
                var index = IndexOf(entry.Metadata.Key, buckets.Length);
                Volatile.Write(ref entry.NextInBucket, buckets[index]);
                buckets[index] = entry;
                entry = next;
            }
        }

        Volatile.Write(ref _buckets, buckets);
    }

    // Length is a power of two; string hashes are randomized per process, so low bits are well mixed.
    private static int IndexOf(string key, int length) => key.GetHashCode() & (length - 1);
}
