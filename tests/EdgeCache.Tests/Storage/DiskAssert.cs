using EdgeCache.Storage;

namespace EdgeCache.Tests.Storage;

/// <summary>Checks of a disk store's files.</summary>
internal static class DiskAssert
{
    public static string[] BodyFiles(DiskStore store)
        => Directory.GetFiles(Path.Combine(store.DataDirectory, "bodies"), "*", SearchOption.AllDirectories);

    public static string[] TempFiles(DiskStore store)
        => Directory.GetFiles(Path.Combine(store.DataDirectory, "tmp"));

    /// <summary>No temporary file, and exactly one body file per entry.</summary>
    public static void NoLeftoverFiles(DiskStore store)
    {
        Assert.Empty(TempFiles(store));
        Assert.Equal(store.GetStatistics().Entries, BodyFiles(store).Length);
    }
}
