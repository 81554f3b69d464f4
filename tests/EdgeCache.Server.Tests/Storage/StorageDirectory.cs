namespace EdgeCache.Server.Tests.Storage;

/// <summary>A temporary data directory, deleted on dispose.</summary>
internal sealed class StorageDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "edgecache-server-tests", Guid.NewGuid().ToString("N"));

    /// <summary>Body files of the disk tier under this directory.</summary>
    public FileInfo[] BodyFiles()
    {
        var bodies = System.IO.Path.Combine(Path, "bodies");
        return Directory.Exists(bodies) ? new DirectoryInfo(bodies).GetFiles("*", SearchOption.AllDirectories) : [];
    }

    /// <summary>Waits (bounded) until the disk tier's index holds <paramref name="count"/> entries (read from the index itself).</summary>
    public async Task WaitForEntriesAsync(long count, TimeSpan timeout)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (Entries() < count)
        {
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"The disk tier in {Path} did not reach {count} entries within {timeout}.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Index rows whose body is in a file rather than in the row.</summary>
    public long RowsWithAFile()
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={System.IO.Path.Combine(Path, "index.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM entries WHERE body IS NULL";
        return (long)command.ExecuteScalar()!;
    }

    private long Entries()
    {
        var index = System.IO.Path.Combine(Path, "index.db");
        if (!File.Exists(index))
        {
            return 0;
        }

        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={index};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM entries";
        return (long)command.ExecuteScalar()!;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
