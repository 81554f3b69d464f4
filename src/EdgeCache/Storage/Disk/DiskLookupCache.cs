using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace EdgeCache.Storage;

/// <summary>
/// Rows of the disk tier's index kept in memory after a hit, each with its entry built and its body file open (or its
/// small body, when it lives in the row), so that the next hit on the key costs no index query, no open of the file by
/// name and no allocation: what nginx's keys zone and <c>open_file_cache</c> do between them. Bounded in rows and in
/// the bytes of small bodies; rows hit since the last sweep get a second chance before they are dropped.
/// </summary>
/// <remarks>
/// <para>The index is the truth: every write transaction that removes or changes rows drops their keys here once it
/// has committed (<see cref="Invalidate"/>; a soft purge, which changes rows it does not list, drops everything),
/// before the disk tier takes a replaced entry off its table of pending writes.</para>
/// <para>A row read from the index just before such a commit must not be added after the drop. Each drop bumps
/// <see cref="Version"/> first; a reader notes the version before its query and, after adding, checks it again and takes
/// its own row back out when it moved. Either the writer's bump comes after the reader's check (then the writer's drop,
/// which follows its bump, removes the row) or the reader sees it.</para>
/// </remarks>
internal sealed class DiskLookupCache
{
    /// <summary>Bytes of small bodies per row of capacity: 4096 rows hold at most 4 MB of bodies kept in rows.</summary>
    private const int BodyBytesPerRow = 1024;

    private readonly ConcurrentDictionary<string, CachedRow> _rows = new(StringComparer.Ordinal);
    private readonly int _capacity;
    private readonly long _bodyBudget;
    private long _version;
    private int _count;
    private long _bodyBytes;
    private int _evicting;

    public DiskLookupCache(int capacity)
    {
        _capacity = capacity;
        _bodyBudget = (long)capacity * BodyBytesPerRow;
    }

    /// <summary>Whether rows are kept at all (a capacity of 0 turns the cache off).</summary>
    public bool Enabled => _capacity > 0;

    /// <summary>Rows held.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Bytes of small bodies held.</summary>
    public long BodyBytes => Interlocked.Read(ref _bodyBytes);

    /// <summary>Moves on every drop: a reader reads it before its query and hands it to <see cref="TryAdd"/>.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>The row held for <paramref name="key"/>, marked as used for the next sweep.</summary>
    public bool TryGet(string key, [NotNullWhen(true)] out CachedRow? row)
    {
        if (_rows.TryGetValue(key, out row))
        {
            if (!row.Used)
            {
                row.Used = true;
            }

            return true;
        }

        return false;
    }

    /// <summary>
    /// Keeps <paramref name="row"/> for <paramref name="key"/>, replacing the one held, unless a drop happened since
    /// <paramref name="version"/> was read or there is no room. A row not kept gives back its file's reference.
    /// </summary>
    public bool TryAdd(string key, CachedRow row, long version)
    {
        if (_capacity == 0 || Version != version)
        {
            row.File?.Release();
            return false;
        }

        if (row.BodyBytes > 0 && Interlocked.Add(ref _bodyBytes, row.BodyBytes) > _bodyBudget)
        {
            Interlocked.Add(ref _bodyBytes, -row.BodyBytes);
            row.File?.Release();
            return false;
        }

        if (Volatile.Read(ref _count) >= _capacity)
        {
            Evict();
        }

        while (true)
        {
            if (_rows.TryAdd(key, row))
            {
                Interlocked.Increment(ref _count);
                break;
            }

            if (_rows.TryGetValue(key, out var held) && _rows.TryUpdate(key, row, held))
            {
                Dropped(held);
                break;
            }
        }

        if (Version != version)
        {
            Remove(key, row);
            return false;
        }

        return true;
    }

    /// <summary>Drops the row of <paramref name="key"/> (a lookup found it stale).</summary>
    public void Remove(string key)
    {
        if (_rows.TryRemove(key, out var row))
        {
            Interlocked.Decrement(ref _count);
            Dropped(row);
        }
    }

    /// <summary>Drops the rows of <paramref name="keys"/>: their index rows were removed or replaced, and that committed.</summary>
    public void Invalidate(List<string> keys)
    {
        if (keys.Count == 0 || _capacity == 0)
        {
            return;
        }

        Interlocked.Increment(ref _version);
        foreach (var key in keys)
        {
            Remove(key);
        }
    }

    /// <summary>Drops every row (a change the index cannot list by key, or the store closing).</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _version);
        foreach (var pair in _rows)
        {
            Remove(pair.Key, pair.Value);
        }
    }

    private void Remove(string key, CachedRow row)
    {
        if (_rows.TryRemove(new KeyValuePair<string, CachedRow>(key, row)))
        {
            Interlocked.Decrement(ref _count);
            Dropped(row);
        }
    }

    private void Dropped(CachedRow row)
    {
        if (row.BodyBytes > 0)
        {
            Interlocked.Add(ref _bodyBytes, -row.BodyBytes);
        }

        row.File?.Release();
    }

    /// <summary>
    /// Makes room for a sixteenth of the capacity at once, so that the sweep's cost spreads over many adds: a row used
    /// since the last sweep loses its mark and stays, an unmarked one goes. Two passes at most (the first may only clear
    /// marks). One sweep at a time; an add that finds one running goes over the capacity by a little.
    /// </summary>
    private void Evict()
    {
        if (Interlocked.Exchange(ref _evicting, 1) != 0)
        {
            return;
        }

        try
        {
            var target = _capacity - Math.Max(1, _capacity / 16);
            for (var pass = 0; pass < 2 && Volatile.Read(ref _count) > target; pass++)
            {
                foreach (var pair in _rows)
                {
                    if (Volatile.Read(ref _count) <= target)
                    {
                        break;
                    }

                    if (pair.Value.Used)
                    {
                        pair.Value.Used = false;
                    }
                    else
                    {
                        Remove(pair.Key, pair.Value);
                    }
                }
            }
        }
        finally
        {
            Volatile.Write(ref _evicting, 0);
        }
    }

    /// <summary>
    /// One row as a hit serves it: the entry (handed to every reader: entries are immutable), the id its access time is
    /// written under, its expiry, when it was read from the index, and what it holds (its open file, or the bytes of a
    /// body kept in the row).
    /// </summary>
    internal sealed class CachedRow(long id, CacheEntry entry, long expiresMs, long readMs, DiskBodyHandle? file, int bodyBytes)
    {
        public long Id { get; } = id;

        public CacheEntry Entry { get; } = entry;

        public long ExpiresMs { get; } = expiresMs;

        public long ReadMs { get; } = readMs;

        public DiskBodyHandle? File { get; } = file;

        public int BodyBytes { get; } = bodyBytes;

        /// <summary>Hit since the last sweep (a racy mark: a lost one only costs a row its second chance).</summary>
        public bool Used { get; set; }
    }
}
