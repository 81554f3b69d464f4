using EdgeCache.Storage;

namespace EdgeCache.Tests.Storage;

/// <summary>
/// The disk tier's filter of key hashes follows the index: it holds a bucket for every row (filled from the index at
/// open, raised by inserts, lowered by every kind of removal), so a key it rules out is truly absent.
/// </summary>
public sealed class DiskStoreKeyFilterTests : DiskStoreTestBase
{
    [Fact]
    public async Task Every_entry_written_before_a_reopen_is_found_after_it()
    {
        var store = await OpenAsync();
        for (var i = 0; i < 200; i++)
        {
            Assert.True(await PutAsync(store, i, i % 2 == 0 ? 1000 : 20_000));
        }

        await store.DisposeAsync();

        var reopened = await OpenAsync();
        Assert.Equal(200, reopened.KeyFilterOccupied);
        for (var i = 0; i < 200; i++)
        {
            Assert.NotNull(await reopened.GetAsync(Url(i)));
        }

        Assert.Null(await reopened.GetAsync("https://example.com/never-written"));
    }

    [Theory]
    [InlineData("deleted")]
    [InlineData("replaced")]
    [InlineData("purged")]
    [InlineData("expired")]
    [InlineData("evicted")]
    public async Task A_removed_row_takes_its_bucket_with_it(string how)
    {
        var store = await OpenAsync(sizeLimit: 64 * 1024);
        Assert.True(await PutAsync(store, 0, 20_000));
        await store.FlushAsync();
        Assert.Equal(1, store.KeyFilterOccupied);

        switch (how)
        {
            case "deleted":
                Assert.True(await store.DeleteAsync(Url(0)));
                Assert.Equal(0, store.KeyFilterOccupied);
                break;
            case "replaced":
                Assert.True(await PutAsync(store, 0, 1000));
                await store.FlushAsync();
                Assert.Equal(1, store.KeyFilterOccupied);
                Assert.True(await store.DeleteAsync(Url(0)));
                Assert.Equal(0, store.KeyFilterOccupied);
                break;
            case "purged":
                Assert.Equal(1, await store.PurgeAsync(new PurgeRequest(PurgeKind.Host, "example.com")));
                Assert.Equal(0, store.KeyFilterOccupied);
                break;
            case "expired":
                Time.Advance(TimeSpan.FromHours(2));
                store.Maintain();
                Assert.Equal(0, store.KeyFilterOccupied);
                break;
            default:
                // 64 KB holds three of these: the first goes.
                for (var i = 1; i <= 3; i++)
                {
                    Time.Advance(TimeSpan.FromSeconds(1));
                    Assert.True(await PutAsync(store, i, 20_000));
                    await store.FlushAsync();
                }

                Assert.Null(await store.GetAsync(Url(0)));
                Assert.Equal(store.GetStatistics().Entries, store.KeyFilterOccupied);
                break;
        }
    }

    private static string Url(int i) => $"https://example.com/{i}";

    private static Task<bool> PutAsync(DiskStore store, int i, int length)
        => StoreTestData.PutAsync(store, StoreTestData.Metadata(Url(i)) with { BodyLength = length }, StoreTestData.Body(i, length));

    private async Task<DiskStore> OpenAsync(long sizeLimit = 64L * 1024 * 1024)
    {
        var store = DiskStore.Open(new DiskStoreOptions { DataDirectory = DataDirectory, SizeLimit = sizeLimit, MaxObjectSize = sizeLimit / 2 }, Time);
        Track(store);
        await store.KeyFilterFilled;
        return store;
    }
}
