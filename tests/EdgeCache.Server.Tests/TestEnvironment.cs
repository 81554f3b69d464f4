using System.Runtime.CompilerServices;

namespace EdgeCache.Server.Tests;

/// <summary>Process-wide settings for every server these tests start, in process or as a child process.</summary>
internal static class TestEnvironment
{
    /// <summary>
    /// No start-up warm-up (up to 10 s of misses before the listener opens) unless a test asks for one: the
    /// environment is read by in-process servers and inherited by child processes, and a test's own settings
    /// (command line, in-memory values) come after it and win.
    /// </summary>
#pragma warning disable CA2255 // A module initializer is the one place that runs before any test starts a server.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void NoWarmUp()
    {
        if (Environment.GetEnvironmentVariable("EdgeCache__WarmUp") is null)
        {
            Environment.SetEnvironmentVariable("EdgeCache__WarmUp", "00:00:00");
        }
    }
}
