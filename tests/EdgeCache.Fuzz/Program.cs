using EdgeCache.Fuzz;
using SharpFuzz;

// edgecache-fuzz list                      the target names
// edgecache-fuzz run TARGET                the AFL++ loop (afl-fuzz ... -- dotnet EdgeCache.Fuzz.dll run TARGET)
// edgecache-fuzz replay TARGET FILE...     runs files through a target; exit 1 on the first finding
if (args.Length == 1 && args[0] == "list")
{
    foreach (var t in FuzzTargets.All)
    {
        Console.WriteLine(t.Name);
    }

    return 0;
}

if (args.Length < 2 || args[0] is not ("run" or "replay") || FuzzTargets.Find(args[1]) is not { } target)
{
    Console.Error.WriteLine("usage: EdgeCache.Fuzz list | run TARGET | replay TARGET FILE...");
    Console.Error.WriteLine("targets: " + string.Join(", ", FuzzTargets.All.Select(t => t.Name)));
    return 2;
}

if (args[0] == "run")
{
    // Out of process: a stack overflow or an abort in a target is reported as a crash, not lost with the runner.
    Fuzzer.OutOfProcess.Run(stream =>
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        target.Run(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    });
    return 0;
}

foreach (var file in args.Skip(2))
{
    try
    {
        target.Run(File.ReadAllBytes(file));
    }
    catch (Exception ex)
    {
        Console.Error.WriteLine($"{target.Name}: {file}: {ex}");
        return 1;
    }
}

return 0;
