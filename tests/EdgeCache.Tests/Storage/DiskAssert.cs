using EdgeCache.Storage;

namespace EdgeCache.Tests.Storage;

/// <summary>Checks of a disk store's files.</summary>
internal static class DiskAssert
{
    public static string[] BodyFiles(DiskStore store)
        => Directory.GetFiles(Path.Combine(store.DataDirectory, "bodies"), "*", SearchOption.AllDirectories);

    public static string[] TempFiles(DiskStore store)
        => Directory.GetFiles(Path.Combine(store.DataDirectory, "tmp"));

    /// <summary>No temporary file, and exactly one body file per entry whose body is not in its row (once the queued rows are committed).</summary>
    public static async Task NoLeftoverFilesAsync(DiskStore store)
    {
        await store.FlushAsync();
        Assert.Empty(TempFiles(store));
        Assert.Equal(RowsWithAFile(store.DataDirectory), BodyFiles(store).Length);
    }

    /// <summary>Index rows whose body is in a file (read from the index itself).</summary>
    public static long RowsWithAFile(string directory)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(directory, "index.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM entries WHERE body IS NULL";
        return (long)command.ExecuteScalar()!;
    }
}
