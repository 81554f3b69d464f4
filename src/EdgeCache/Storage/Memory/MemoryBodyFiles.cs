using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace EdgeCache.Storage;

/// <summary>
/// Makes the memory tier's body files and counts them. A body file is an anonymous memory file
/// (<c>memfd_create(2)</c>, Linux only): its pages are shared memory (<c>Shmem</c> in <c>/proc/meminfo</c>,
/// charged to the process's memory cgroup) but not in the process's RSS, since nothing maps them. It has no
/// name in any directory, so nothing is left behind when the process dies, and unlike a file in
/// <c>/dev/shm</c> it is not bounded by that mount's size (64 MB in a default container).
/// </summary>
/// <remarks>
/// The file is written through the handle <c>memfd_create</c> returns, then opened again read-only for
/// asynchronous reads through <c>/proc/self/fd</c> (a socket's <c>SendPacketsAsync</c>, sendfile(2) on Linux, takes
/// only a stream opened that way), and the writable handle closed: what readers share cannot be written.
/// Any failure (no memfd on this kernel, no <c>/proc</c>, out of descriptors) leaves the body in a managed array.
/// </remarks>
internal sealed partial class MemoryBodyFiles
{
    private const uint MfdCloexec = 1;
    private const int RlimitNofile = 7;

    // Body files may take at most half of the process's descriptor limit (read once), so that a tier full of
    // them (a 4 GB tier at 64 KB is 65,536 bodies) never leaves sockets without descriptors: past it, bodies
    // stay in arrays.
    private static readonly long s_maxProcessFiles = ReadProcessFileLimit();
    private static int s_stores;
    private static long s_processOpen;
    private static long s_processBytes;

    // The name every file of this store shows in /proc/self/fd ("/memfd:<name> (deleted)").
    private readonly string _name = "edgecache-body-" + Interlocked.Increment(ref s_stores).ToString(CultureInfo.InvariantCulture);
    private long _open;
    private long _bytes;
    private long _removedBytes;
    private long _fallbacks;

    public MemoryBodyFiles()
    {
        // The process-wide gauges (edgecache.store.memory_files, memory_file_bytes) exist once any tier could make a file.
        _ = StorageTelemetry.MemoryFileBytes;
        _ = StorageTelemetry.MemoryFiles;
    }

    /// <summary>Body files open in this process, over every memory tier.</summary>
    public static long ProcessOpenFiles => Interlocked.Read(ref s_processOpen);

    /// <summary>Bytes in those files.</summary>
    public static long ProcessBytes => Interlocked.Read(ref s_processBytes);

    /// <summary>Whether this platform has memory files (Linux); elsewhere every body stays in an array.</summary>
    public static bool Supported => OperatingSystem.IsLinux();

    /// <summary>The name the files show in <c>/proc/self/fd</c> (as <c>/memfd:name (deleted)</c>).</summary>
    public string Name => _name;

    /// <summary>Body files open now (stored entries' and removed ones still being read).</summary>
    public long OpenFiles => Interlocked.Read(ref _open);

    /// <summary>Bytes in open body files.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Bytes in files of removed entries that are still open (a reader, or the removal grace, holds them).</summary>
    public long RemovedBytes => Interlocked.Read(ref _removedBytes);

    /// <summary>Bodies that stayed in an array because a file could not be made.</summary>
    public long Fallbacks => Interlocked.Read(ref _fallbacks);

    /// <summary>A fault to inject before a file is made (tests): when it returns an exception, making the file fails with it.</summary>
    internal Func<Exception?>? CreateFault { get; set; }

    /// <summary>Starts a body file, or returns <see langword="null"/> (the body then stays in an array).</summary>
    public Writer? TryCreate()
    {
        try
        {
            if (CreateFault?.Invoke() is { } fault)
            {
                throw fault;
            }

            if (Interlocked.Read(ref s_processOpen) >= s_maxProcessFiles)
            {
                throw new IOException("The memory tier's body files already use half of the process's descriptor limit.");
            }

            var fd = MemfdCreate(_name, MfdCloexec);
            if (fd < 0)
            {
                throw new IOException($"memfd_create failed (errno {Marshal.GetLastPInvokeError()}).");
            }

            return new Writer(this, new SafeFileHandle(fd, ownsHandle: true));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or EntryPointNotFoundException or DllNotFoundException)
        {
            Interlocked.Increment(ref _fallbacks);
            return null;
        }
    }

    internal void OnRemoved(long length) => Interlocked.Add(ref _removedBytes, length);

    internal void OnClosed(long length, bool removed)
    {
        if (removed)
        {
            Interlocked.Add(ref _removedBytes, -length);
        }

        Interlocked.Add(ref _bytes, -length);
        Interlocked.Decrement(ref _open);
        Interlocked.Add(ref s_processBytes, -length);
        Interlocked.Decrement(ref s_processOpen);
    }

    /// <summary>How many body files this process may hold open: half its descriptor limit.</summary>
    internal static long ProcessFileLimit => s_maxProcessFiles;

    private static unsafe long ReadProcessFileLimit()
    {
        try
        {
            // struct rlimit { rlim_t cur, max; } (64-bit). .NET raises the soft limit to the hard one at start-up;
            // 512 when it cannot be read.
            var limit = stackalloc ulong[2];
            return Supported && GetRlimit(RlimitNofile, limit) == 0 ? (long)Math.Min(limit[0] / 2, int.MaxValue) : 512;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return 512;
        }
    }

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MemfdCreate(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "getrlimit")]
    private static unsafe partial int GetRlimit(int resource, ulong* limit);

    /// <summary>Writes one body into a new memory file; <see cref="Seal"/> turns it into the shared, read-only body.</summary>
    internal sealed class Writer(MemoryBodyFiles files, SafeFileHandle handle) : IDisposable
    {
        private SafeFileHandle? _handle = handle;

        public long Length { get; private set; }

        /// <summary>Appends <paramref name="data"/>; <see langword="false"/> when the file could not take it.</summary>
        public bool TryWrite(ReadOnlySpan<byte> data)
        {
            try
            {
                RandomAccess.Write(_handle!, data, Length);
                Length += data.Length;
                return true;
            }
            catch (IOException)
            {
                return false;
            }
        }

        /// <summary>
        /// The body as a shared read-only file holding the tier's reference (the writable handle is closed), or
        /// <see langword="null"/> when it could not be opened again (the body can then still be read back).
        /// </summary>
        public MemoryBodyFile? Seal()
        {
            var handle = _handle!;
            try
            {
                var file = new FileStream(
                    "/proc/self/fd/" + handle.DangerousGetHandle().ToInt32().ToString(CultureInfo.InvariantCulture),
                    FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0, FileOptions.Asynchronous);
                if (file.Length != Length)
                {
                    file.Dispose();
                    Interlocked.Increment(ref files._fallbacks);
                    return null;
                }

                Dispose();
                Interlocked.Increment(ref files._open);
                Interlocked.Add(ref files._bytes, Length);
                Interlocked.Increment(ref s_processOpen);
                Interlocked.Add(ref s_processBytes, Length);
                return new MemoryBodyFile(files, file, Length);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Interlocked.Increment(ref files._fallbacks);
                return null;
            }
        }

        /// <summary>What was written, as an array (when <see cref="Seal"/> failed); <see langword="null"/> if it cannot be read.</summary>
        public byte[]? TryReadBack()
        {
            try
            {
                var body = GC.AllocateUninitializedArray<byte>((int)Length);
                return RandomAccess.Read(_handle!, body, 0) == body.Length ? body : null;
            }
            catch (IOException)
            {
                return null;
            }
        }

        public void Dispose()
        {
            _handle?.Dispose();
            _handle = null;
        }
    }
}
