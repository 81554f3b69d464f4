using System.Runtime.InteropServices;

namespace EdgeCache.Storage;

/// <summary>
/// The memory of <see cref="NativeBodyArena"/>'s slabs: on Linux a private anonymous mapping of its own per slab,
/// elsewhere <see cref="NativeMemory.AlignedAlloc"/>. From malloc, a freed 256 KB slab raised glibc's dynamic mmap
/// threshold, so the next slabs came from malloc's arenas, shared with SQLite and the runtime, where a free slab
/// between live allocations stays resident: 10 MiB of RSS under the tiered store's misses (docs/performance.md,
/// "Session 12: tiered RSS"). A mapping of its own goes back to the system the moment the slab is freed.
/// </summary>
internal static unsafe partial class SlabMemory
{
    private const int ProtReadWrite = 0x1 | 0x2;
    private const int MapPrivateAnonymous = 0x02 | 0x20;

    private static readonly bool s_mapped = OperatingSystem.IsLinux();

    /// <summary><paramref name="bytes"/> of zeroed, page-aligned memory, or null when the system has none.</summary>
    public static void* TryAllocate(nuint bytes)
    {
        if (s_mapped)
        {
            var memory = Mmap(null, bytes, ProtReadWrite, MapPrivateAnonymous, -1, 0);
            return memory == (void*)-1 ? null : memory;
        }

        try
        {
            return NativeMemory.AlignedAlloc(bytes, 64);
        }
        catch (OutOfMemoryException)
        {
            return null;
        }
    }

    /// <summary>Gives back what <see cref="TryAllocate"/> returned for the same <paramref name="bytes"/>.</summary>
    public static void Free(void* memory, nuint bytes)
    {
        if (s_mapped)
        {
            if (Munmap(memory, bytes) != 0)
            {
                throw new InvalidOperationException($"munmap of a memory-tier slab failed ({Marshal.GetLastPInvokeError()}).");
            }

            return;
        }

        NativeMemory.AlignedFree(memory);
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(void* address, nuint length);
}
