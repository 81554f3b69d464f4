namespace EdgeCache.Fuzz.Tests;

/// <summary>
/// Every checked-in input (the corpus AFL++ grew, and each crash it found) runs through its target: a parser
/// change that throws or breaks an invariant on any of them fails here, without afl-fuzz installed.
/// </summary>
public sealed class CorpusReplayTests
{
    public static TheoryData<string, string> CorpusFiles => Files("corpus");

    public static TheoryData<string, string> CrashReproducers => Files("crashes");

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void CorpusInput_KeepsEveryInvariantOfItsTarget(string target, string file) => Replay(target, file);

    [Theory]
    [MemberData(nameof(CrashReproducers))]
    public void CrashReproducer_NoLongerCrashes(string target, string file) => Replay(target, file);

    [Fact]
    public void EveryTarget_HasACorpus_AndEveryFolderNamesATarget()
    {
        var root = Path.Combine(AppContext.BaseDirectory, "corpus");
        foreach (var target in FuzzTargets.All)
        {
            Assert.True(Directory.EnumerateFiles(Path.Combine(root, target.Name)).Any(), $"no corpus for {target.Name}");
        }

        foreach (var folder in Directory.EnumerateDirectories(root).Concat(Directory.EnumerateDirectories(Path.Combine(AppContext.BaseDirectory, "crashes"))))
        {
            Assert.NotNull(FuzzTargets.Find(Path.GetFileName(folder)));
        }
    }

    private static void Replay(string target, string file)
        => FuzzTargets.Find(target)!.Run(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, file)));

    private static TheoryData<string, string> Files(string kind)
    {
        var data = new TheoryData<string, string>();
        var root = Path.Combine(AppContext.BaseDirectory, kind);
        if (!Directory.Exists(root))
        {
            return data;
        }

        foreach (var folder in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            foreach (var file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetFileName(folder), Path.GetRelativePath(AppContext.BaseDirectory, file));
            }
        }

        return data;
    }
}
