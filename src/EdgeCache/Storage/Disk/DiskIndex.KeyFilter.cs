namespace EdgeCache.Storage;

/// <content>The filter of key hashes that answers "no such row" without a query (<see cref="KeyHashFilter"/>).</content>
internal sealed partial class DiskIndex
{
    private readonly KeyHashFilter _filter;

    // Hashes of the rows the current write transaction removed: taken off the filter once it commits (under the write lock).
    private readonly List<byte[]> _removedHashes = [];

    // Keys of the same rows: dropped from the lookup cache once the transaction commits.
    private readonly List<string> _removedKeys = [];

    /// <summary>False only when no row has this key hash (a query is then not needed to know the key is absent).</summary>
    public bool MayContain(byte[] hash) => _filter.MayContain(hash);

    /// <summary>Whether the filter answers yet (it says "maybe" to everything until <see cref="FillKeyFilter"/> has run).</summary>
    public bool KeyFilterReady => _filter.Ready;

    /// <summary>Buckets of the filter with a row (tests).</summary>
    internal int KeyFilterOccupied => _filter.Occupied;

    /// <summary>
    /// Counts every row's hash into the filter, then lets it answer. Holds the write lock throughout (no row comes or
    /// goes meanwhile): the open does not wait for it, writes do (about a second per million rows).
    /// </summary>
    public void FillKeyFilter()
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var command = _writer.CreateCommand();
            command.CommandText = "SELECT hash FROM entries";
            using var reader = command.ExecuteReader();
            _filter.Fill(Hashes(reader));
        }

        static IEnumerable<byte[]> Hashes(Microsoft.Data.Sqlite.SqliteDataReader reader)
        {
            while (reader.Read())
            {
                yield return (byte[])reader.GetValue(0);
            }
        }
    }

    private void ForgetRemovedHashes()
    {
        Lookups.Invalidate(_removedKeys);
        _removedKeys.Clear();
        foreach (var hash in _removedHashes)
        {
            _filter.Remove(hash);
        }

        _removedHashes.Clear();
    }
}
