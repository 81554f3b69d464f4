using EdgeCache.Storage;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Tests.Storage;

/// <summary>The fixture of the memory-tier tests: a fake clock and the stores to dispose after the test.</summary>
public abstract class MemoryStoreTestBase : IAsyncLifetime
{
    private readonly List<MemoryStore> _stores = [];

    /// <summary>The stores' clock.</summary>
    protected FakeTimeProvider Time { get; } = new(StoreTestData.Epoch);

    /// <inheritdoc />
    public Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }

    /// <summary>A store on <see cref="Time"/>, disposed after the test.</summary>
    protected MemoryStore NewStore(MemoryStoreOptions options)
    {
        var store = new MemoryStore(options, Time);
        _stores.Add(store);
        return store;
    }
}
