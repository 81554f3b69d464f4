using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace EdgeCache.AspNetCore.Hosting;

/// <summary>
/// Non-blocking <c>send</c> and <c>sendfile(2)</c> straight on a socket's descriptor (Linux, 64-bit), for
/// <see cref="DirectSendOutput"/>'s file bodies: the response head goes out with <c>MSG_MORE</c>, so the kernel
/// holds it for the file's bytes and sends head and body in full segments, and the file with one
/// <c>sendfile</c> on the calling thread, without <see cref="Socket.SendPacketsAsync"/>'s task, its callback and
/// its per-call element array. Each call sends what the socket takes now and reports how much that was; the
/// caller continues with the socket API for the rest (which waits for the socket to drain).
/// </summary>
internal static partial class NativeSocketSend
{
    private const int MsgDontWait = 0x40;
    private const int MsgNoSignal = 0x4000;
    private const int MsgMore = 0x8000;
    private const int Eintr = 4;
    private const int FGetFl = 3;
    private const int ONonBlock = 0x800;

    /// <summary>Linux on a 64-bit process (where <c>sendfile</c> takes a 64-bit offset); elsewhere the callers use the socket API only.</summary>
    public static bool Supported { get; } = OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    /// <summary>
    /// Whether the descriptor is in non-blocking mode (the runtime puts a socket there on its first asynchronous
    /// operation). <c>sendfile</c> has no flag for it: on a blocking socket it would hold the thread until sent.
    /// </summary>
    public static bool IsNonBlocking(SafeSocketHandle socket)
    {
        try
        {
            var flags = Fcntl(socket, FGetFl);
            return flags >= 0 && (flags & ONonBlock) != 0;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// Sends as much of <paramref name="data"/> as the socket takes now, with <c>MSG_MORE</c> (more bytes follow
    /// at once: the kernel need not push a partial segment); the count sent, 0 when it took nothing or failed
    /// (the caller's socket call then reports the error).
    /// </summary>
    public static unsafe int SendMore(SafeSocketHandle socket, ReadOnlySpan<byte> data)
    {
        fixed (byte* bytes = data)
        {
            while (true)
            {
                var n = Send(socket, bytes, (nuint)data.Length, MsgMore | MsgDontWait | MsgNoSignal);
                if (n >= 0)
                {
                    return (int)n;
                }

                if (Marshal.GetLastPInvokeError() != Eintr)
                {
                    return 0;
                }
            }
        }
    }

    /// <summary>
    /// Sends up to <paramref name="count"/> bytes of <paramref name="file"/> from <paramref name="offset"/> as far as
    /// the socket takes them now; the count sent (0 when it took nothing, or on an error the caller's socket call
    /// then reports), or -1 at the file's end before <paramref name="count"/> bytes (a file shorter than its entry).
    /// </summary>
    public static long SendFile(SafeSocketHandle socket, SafeFileHandle file, long offset, long count)
    {
        long sent = 0;
        while (sent < count)
        {
            var at = offset + sent;
            var n = SendFileCall(socket, file, ref at, (nuint)Math.Min(count - sent, 1L << 30));
            if (n > 0)
            {
                sent += n;
                continue;
            }

            if (n == 0)
            {
                return -1;
            }

            if (Marshal.GetLastPInvokeError() != Eintr)
            {
                break;
            }
        }

        return sent;
    }

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static unsafe partial nint Send(SafeSocketHandle socket, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "sendfile", SetLastError = true)]
    private static partial nint SendFileCall(SafeSocketHandle socket, SafeFileHandle file, ref long offset, nuint count);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(SafeSocketHandle socket, int command);
}
