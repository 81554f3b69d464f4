using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace EdgeCache.Storage;

/// <content>Pooled read connections with the lookup prepared, which WAL lets run beside the writer.</content>
internal sealed partial class DiskIndex
{
    private const string FindSql = "SELECT id, key, size, expires, invalidated, metadata, checksum, body FROM entries WHERE hash = $hash";

    private readonly ConcurrentBag<ReadSession> _readers = [];

    private ReadSession RentReader()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _readers.TryTake(out var session) ? session : new ReadSession(_connectionString);
    }

    private void ReturnReader(ReadSession session)
    {
        // Never grow without bound: a burst of concurrent readers leaves at most a few connections behind.
        if (_disposed || _readers.Count >= 2 * Environment.ProcessorCount + 2)
        {
            session.Dispose();
            return;
        }

        _readers.Add(session);
        if (Volatile.Read(ref _disposed) && _readers.TryTake(out var late))
        {
            late.Dispose();
        }
    }

    private sealed class ReadSession : IDisposable
    {
        public ReadSession(string connectionString)
        {
            Connection = new SqliteConnection(connectionString);
            Connection.Open();
            Find = Connection.CreateCommand();
            Find.CommandText = FindSql;
            Hash = Find.Parameters.Add("$hash", SqliteType.Blob);
            Find.Prepare();
        }

        public SqliteConnection Connection { get; }

        public SqliteCommand Find { get; }

        public SqliteParameter Hash { get; }

        public void Dispose()
        {
            Find.Dispose();
            Connection.Dispose();
        }
    }
}
