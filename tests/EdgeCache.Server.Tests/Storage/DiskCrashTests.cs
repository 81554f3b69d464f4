using System.Globalization;
using EdgeCache.Storage;
using EdgeCache.StoreCrashChild;

namespace EdgeCache.Server.Tests.Storage;

/// <summary>Kill -9 while writing: every entry is afterwards either whole or absent.</summary>
public sealed class DiskCrashTests
{
    [Fact]
    public async Task Entries_are_whole_or_absent_after_the_writer_is_killed_mid_way()
    {
        using var directory = new StorageDirectory();
        for (var round = 0; round < 2; round++)
        {
            HashSet<int> committed;
            using (var child = ChildProcess.Start("EdgeCache.StoreCrashChild", directory.Path, "1000000"))
            {
                // Let it get well into its loop (replacing keys too), then kill it with no warning.
                var target = 400 + (round * 150);
                await child.WaitForAsync(lines => lines.Count(l => l.StartsWith("committed ", StringComparison.Ordinal)) >= target, TimeSpan.FromSeconds(90), $"{target} commits");
                child.KillHard();
                Assert.DoesNotContain(child.Lines, l => l.StartsWith("stderr", StringComparison.Ordinal));
                committed = [.. child.Lines.Where(l => l.StartsWith("committed ", StringComparison.Ordinal)).Select(l => int.Parse(l["committed ".Length..], CultureInfo.InvariantCulture))];
            }

            await AssertWholeOrAbsentAsync(directory, committed);
        }
    }

    private static async Task AssertWholeOrAbsentAsync(StorageDirectory directory, HashSet<int> committed)
    {
        await using var store = DiskStore.Open(new DiskStoreOptions { DataDirectory = directory.Path, SizeLimit = 4L * 1024 * 1024 * 1024 });
        await store.Recovery;

        var keysCommitted = committed.Select(CrashEntries.Key).ToHashSet();
        var present = 0;
        for (var k = 0; k < CrashEntries.KeyCount; k++)
        {
            var key = CrashEntries.Key(k);
            var entry = await store.GetAsync(key);
            if (entry is null)
            {
                // A key with a committed version must still be there: a commit is durable.
                Assert.DoesNotContain(key, keysCommitted);
                continue;
            }

            present++;
            var version = int.Parse(entry.Metadata.GetHeader("X-Version")!, CultureInfo.InvariantCulture);
            Assert.Equal(key, CrashEntries.Key(version));
            var expected = CrashEntries.Body(version);
            Assert.Equal(expected.Length, entry.Metadata.BodyLength);
            await using var body = entry.OpenBody();
            using var copy = new MemoryStream();
            await body.CopyToAsync(copy);
            Assert.True(expected.AsSpan().SequenceEqual(copy.ToArray()), $"The body of {key} (version {version}) is not the one written.");
        }

        Assert.Equal(keysCommitted.Count, present);

        // Recovery left nothing behind: no temporary file, one body file per entry.
        Assert.Empty(Directory.GetFiles(Path.Combine(directory.Path, "tmp")));
        Assert.Equal(store.GetStatistics().Entries, directory.BodyFiles().Length);
        Assert.Equal(present, store.GetStatistics().Entries);
    }
}
