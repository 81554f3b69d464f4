using EdgeCache.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Tests.Storage;

/// <summary>
/// The fixture of the disk-tier tests: a fresh data directory, a fake clock, the stores to dispose, and (for the
/// write-behind tests) a hook that holds the disk tier's first batch of index rows (a stuck disk) until the test releases it.
/// </summary>
public abstract class DiskStoreTestBase : IAsyncLifetime
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<IAsyncDisposable> _stores = [];

    /// <summary>The data directory, removed after the test.</summary>
    protected string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "edgecache-tests", Guid.NewGuid().ToString("N"));

    /// <summary>The stores' clock.</summary>
    protected FakeTimeProvider Time { get; } = new(StoreTestData.Epoch);

    /// <summary>Completes when a held batch is waiting to commit.</summary>
    protected TaskCompletionSource BatchHeld { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set to let the held batch commit (disposal sets it too).</summary>
    protected TaskCompletionSource Release => _release;

    /// <inheritdoc />
    public Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        _release.TrySetResult();
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    /// <summary>Disposes <paramref name="store"/> after the test.</summary>
    protected T Track<T>(T store)
        where T : IAsyncDisposable
    {
        _stores.Add(store);
        return store;
    }

    /// <summary>Makes the first batch of index rows under <paramref name="options"/> wait until <see cref="Release"/> is set.</summary>
    protected DiskStoreOptions Held(DiskStoreOptions options)
    {
        options.BeforeBatchCommit = () =>
        {
            BatchHeld.TrySetResult();
            return _release.Task;
        };
        return options;
    }

    /// <summary>A read-only connection to the index file itself, to check what a row holds.</summary>
    protected SqliteConnection OpenIndex()
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(DataDirectory, "index.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        return connection;
    }
}
