using System.Globalization;
using EdgeCache.Storage;
using EdgeCache.StoreCrashChild;

namespace EdgeCache.Server.Tests.Storage;

/// <summary>
/// Kill -9 while writing, with index rows waiting in the write-behind queue: every entry is afterwards either
/// whole or absent, and every entry whose row the child saw committed is there. The second round reopens as
/// after a reboot, so every body is also checked against the checksum in its row (none may fail). Through the tiered
/// store too: its small bodies reach the disk row in the array the memory entry shares.
/// </summary>
public sealed class DiskCrashTests
{
    [Theory]
    [InlineData("disk")]
    [InlineData("tiered")]
    public async Task Entries_are_whole_or_absent_after_the_writer_is_killed_mid_way(string store)
    {
        using var directory = new StorageDirectory();

        // Across rounds: the second child writes the same versions again, and entries of the first may remain.
        HashSet<int> begun = [];
        HashSet<int> durable = [];
        for (var round = 0; round < 2; round++)
        {
            using (var child = ChildProcess.Start("EdgeCache.StoreCrashChild", directory.Path, "1000000", store))
            {
                // Let it get well into its loop (replacing keys too), then kill it with no warning at a moment when
                // rows wait in the write-behind queue (more commits printed than the last flush covers).
                var target = 400 + (round * 150);
                await child.WaitForAsync(lines => Commits(lines) >= target && Commits(lines) > LastFlushed(lines) + 8, TimeSpan.FromSeconds(90), $"{target} commits, 8 of them queued");
                child.KillHard();
                Assert.DoesNotContain(child.Lines, l => l.StartsWith("stderr", StringComparison.Ordinal));
                var lines = child.Lines.ToList();
                var accepted = lines.Where(l => l.StartsWith("committed ", StringComparison.Ordinal)).Select(l => int.Parse(l["committed ".Length..], CultureInfo.InvariantCulture)).ToList();
                var flushed = LastFlushed(lines);

                // The kill came while rows still waited in the write-behind queue (the child's index disk is slow).
                Assert.True(accepted.Count > flushed, $"all {accepted.Count} accepted writes were flushed before the kill");
                begun.UnionWith(lines.Where(l => l.StartsWith("begun ", StringComparison.Ordinal)).Select(l => int.Parse(l["begun ".Length..], CultureInfo.InvariantCulture)));
                durable.UnionWith(accepted.Take(flushed));
            }

            if (round == 1)
            {
                // As if the kill had been a power loss: the next open must verify every body of the earlier boot.
                await File.WriteAllTextAsync(Path.Combine(directory.Path, "boot-id"), "an-earlier-boot");
            }

            await AssertWholeOrAbsentAsync(directory, begun, durable);
        }
    }

    private static int Commits(IReadOnlyCollection<string> lines) => lines.Count(l => l.StartsWith("committed ", StringComparison.Ordinal));

    private static int LastFlushed(IEnumerable<string> lines)
        => lines.Where(l => l.StartsWith("flushed ", StringComparison.Ordinal)).Select(l => int.Parse(l["flushed ".Length..], CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();

    private static async Task AssertWholeOrAbsentAsync(StorageDirectory directory, HashSet<int> begun, HashSet<int> durable)
    {
        await using var store = DiskStore.Open(new DiskStoreOptions { DataDirectory = directory.Path, SizeLimit = 4L * 1024 * 1024 * 1024 });
        await store.Recovery;

        var keysDurable = durable.Select(CrashEntries.Key).ToHashSet();
        var present = 0;
        for (var k = 0; k < CrashEntries.KeyCount; k++)
        {
            var key = CrashEntries.Key(k);
            var entry = await store.GetAsync(key);
            if (entry is null)
            {
                // A key with a version whose row was committed must still be there (some version of it).
                Assert.DoesNotContain(key, keysDurable);
                continue;
            }

            present++;
            var version = int.Parse(entry.Metadata.GetHeader("X-Version")!, CultureInfo.InvariantCulture);
            Assert.Equal(key, CrashEntries.Key(version));
            Assert.Contains(version, begun);
            var expected = CrashEntries.Body(version);
            Assert.Equal(expected.Length, entry.Metadata.BodyLength);
            await using var body = entry.OpenBody();
            using var copy = new MemoryStream();
            await body.CopyToAsync(copy);
            Assert.True(expected.AsSpan().SequenceEqual(copy.ToArray()), $"The body of {key} (version {version}) is not the one written.");
        }

        Assert.InRange(present, keysDurable.Count, CrashEntries.KeyCount);

        // Recovery left nothing behind: no temporary file, one body file per entry not kept in its row.
        Assert.Empty(Directory.GetFiles(Path.Combine(directory.Path, "tmp")));
        Assert.Equal(directory.RowsWithAFile(), directory.BodyFiles().Length);
        Assert.Equal(present, store.GetStatistics().Entries);
    }
}
