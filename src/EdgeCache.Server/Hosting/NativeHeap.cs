using System.Runtime.InteropServices;

namespace EdgeCache.Server.Hosting;

/// <summary>
/// glibc's <c>malloc_trim</c>, found at run time: a C library without it (musl, or not Linux) leaves <see cref="CanTrim"/> false.
/// </summary>
internal static unsafe class NativeHeap
{
    private static readonly delegate* unmanaged<nuint, int> s_trim = Resolve();

    /// <summary>Whether this process's C library can give freed heap memory back to the system.</summary>
    public static bool CanTrim => s_trim != null;

    /// <summary>
    /// Gives the free pages of every malloc arena back to the system (<c>madvise</c>, so they leave RSS until touched
    /// again); true when some memory was released.
    /// </summary>
    public static bool Trim() => s_trim != null && s_trim(0) != 0;

    private static delegate* unmanaged<nuint, int> Resolve()
    {
        if (!OperatingSystem.IsLinux()
            || !NativeLibrary.TryLoad("libc.so.6", out var libc)
            || !NativeLibrary.TryGetExport(libc, "malloc_trim", out var trim))
        {
            return null;
        }

        return (delegate* unmanaged<nuint, int>)trim;
    }
}
