using EdgeCache.Storage;

namespace EdgeCache.Tests.Storage;

/// <content>Purges: by kind, soft, and not reaching entries written after them.</content>
public abstract partial class StoreBehaviourTests
{
    protected static readonly Dictionary<string, int> PurgeFixture = new()
    {
        ["https://a.example/p/1"] = 1,
        ["https://a.example/p/10"] = 2,
        ["https://b.example/p/2"] = 3,
        ["https://b.example/about"] = 4,
        ["https://a.example/q"] = 5,
    };

    public static TheoryData<PurgeKind, string, string[]> Purges => new()
    {
        { PurgeKind.Tag, "product", ["https://a.example/p/1", "https://b.example/p/2"] },
        { PurgeKind.Prefix, "https://a.example/p/", ["https://a.example/p/1", "https://a.example/p/10"] },
        { PurgeKind.Host, "B.EXAMPLE", ["https://b.example/p/2", "https://b.example/about"] },
        { PurgeKind.Url, "https://a.example/p/1", ["https://a.example/p/1"] },
        { PurgeKind.Everything, "", ["https://a.example/p/1", "https://a.example/p/10", "https://b.example/p/2", "https://b.example/about", "https://a.example/q"] },
    };

    [Theory]
    [MemberData(nameof(Purges))]
    public async Task Purge_removes_exactly_the_entries_it_selects(PurgeKind kind, string value, string[] selected)
    {
        var store = NewStore();
        await PutPurgeFixtureAsync(store);

        var count = await store.PurgeAsync(new PurgeRequest(kind, value));

        Assert.Equal(selected.Length, count);
        foreach (var url in PurgeFixture.Keys)
        {
            var entry = await store.GetAsync(url);
            if (selected.Contains(url))
            {
                Assert.Null(entry);
            }
            else
            {
                Assert.NotNull(entry);
            }
        }

        await AssertEntryCountAsync(store, PurgeFixture.Count - selected.Length);
    }

    [Theory]
    [MemberData(nameof(Purges))]
    public async Task Soft_purge_keeps_the_selected_entries_but_marks_them_invalidated(PurgeKind kind, string value, string[] selected)
    {
        var store = NewStore();
        await PutPurgeFixtureAsync(store);

        var count = await store.PurgeAsync(new PurgeRequest(kind, value, Soft: true));

        Assert.Equal(selected.Length, count);
        foreach (var (url, seed) in PurgeFixture)
        {
            var entry = await store.GetAsync(url);
            Assert.NotNull(entry);
            Assert.Equal(selected.Contains(url), entry.Metadata.Invalidated);
            Assert.Equal(StoreTestData.Body(seed, 500 + seed), await StoreTestData.ReadBodyAsync(entry));
        }
    }

    [Fact]
    public async Task Entry_written_after_a_purge_is_not_affected_by_it()
    {
        var store = NewStore();
        await PutPurgeFixtureAsync(store);
        await store.PurgeAsync(new PurgeRequest(PurgeKind.Tag, "product"));

        await StoreTestData.PutAsync(store, StoreTestData.Metadata("https://a.example/p/1", tags: ["product"]), StoreTestData.Body(9, 10));

        var entry = await store.GetAsync("https://a.example/p/1");
        Assert.NotNull(entry);
        Assert.False(entry.Metadata.Invalidated);
    }

    private static async Task PutPurgeFixtureAsync(ICacheStore store)
    {
        foreach (var (url, seed) in PurgeFixture)
        {
            var uri = new Uri(url);
            string[] tags = url.Contains("/p/", StringComparison.Ordinal) && seed != 2 ? ["product", $"item-{seed}"] : [$"item-{seed}"];
            Assert.True(await StoreTestData.PutAsync(store, StoreTestData.Metadata(url, host: uri.Host, tags: tags), StoreTestData.Body(seed, 500 + seed)));
        }
    }
}
