namespace EdgeCache.Fuzz;

/// <summary>One parser under fuzzing: it runs an input and throws when the parser breaks a promise.</summary>
internal interface IFuzzTarget
{
    /// <summary>The name used on the command line and as the corpus folder.</summary>
    string Name { get; }

    /// <summary>
    /// Runs one input. Returns normally when every invariant holds; any exception escaping is a finding
    /// (AFL++ records the input as a crash, the replay tests fail).
    /// </summary>
    void Run(ReadOnlySpan<byte> input);
}
