using System.Net;
using System.Net.Sockets;
using EdgeCache.AspNetCore.Hosting;

namespace EdgeCache.AspNetCore.Tests.Hosting;

/// <summary>The descriptor-level sends on a real loopback TCP connection and a real file.</summary>
public sealed class NativeSocketSendTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "edgecache-native-send-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => File.Delete(_path);

    [Fact]
    public async Task A_head_sent_with_more_to_come_and_a_file_region_arrive_byte_exact_and_in_order()
    {
        Assert.True(NativeSocketSend.Supported, "descriptor-level sends are Linux's (64-bit); these tests run there");
        var body = Bytes(300_000);
        await File.WriteAllBytesAsync(_path, body);
        var (sender, receiver) = await ConnectedPairAsync();
        using (sender)
        using (receiver)
        using (var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.Asynchronous))
        {
            var head = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"u8.ToArray();
            var reading = ReadAsync(receiver, head.Length + 1000);

            Assert.True(NativeSocketSend.IsNonBlocking(sender.SafeHandle));
            Assert.Equal(head.Length, NativeSocketSend.SendMore(sender.SafeHandle, head));
            Assert.Equal(1000, NativeSocketSend.SendFile(sender.SafeHandle, file.SafeFileHandle, 12_345, 1000));

            var received = await reading;
            Assert.Equal(head, received[..head.Length]);
            Assert.Equal(body.AsSpan(12_345, 1000).ToArray(), received[head.Length..]);
        }
    }

    [Fact]
    public async Task A_file_shorter_than_the_count_is_reported_as_ended_not_as_sent()
    {
        Assert.True(NativeSocketSend.Supported, "descriptor-level sends are Linux's (64-bit); these tests run there");
        await File.WriteAllBytesAsync(_path, Bytes(5000));
        var (sender, receiver) = await ConnectedPairAsync();
        using (sender)
        using (receiver)
        using (var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.Asynchronous))
        {
            Assert.Equal(-1, NativeSocketSend.SendFile(sender.SafeHandle, file.SafeFileHandle, 0, 6000));
        }
    }

    [Fact]
    public async Task A_send_to_a_peer_that_reads_nothing_returns_what_the_socket_took_instead_of_blocking()
    {
        Assert.True(NativeSocketSend.Supported, "descriptor-level sends are Linux's (64-bit); these tests run there");
        var body = Bytes(32 * 1024 * 1024);
        await File.WriteAllBytesAsync(_path, body);
        var (sender, receiver) = await ConnectedPairAsync();
        using (sender)
        using (receiver)
        using (var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.Asynchronous))
        {
            sender.SendBufferSize = 64 * 1024;
            receiver.ReceiveBufferSize = 64 * 1024;

            var sent = NativeSocketSend.SendFile(sender.SafeHandle, file.SafeFileHandle, 0, body.Length);

            Assert.InRange(sent, 0, body.Length - 1);

            // The rest through the socket API (what the output does), read whole on the other end.
            var reading = ReadAsync(receiver, body.Length);
            await sender.SendAsync(body.AsMemory((int)sent), SocketFlags.None);
            Assert.Equal(body, await reading);
        }
    }

    [Fact]
    public async Task A_send_to_a_peer_that_hung_up_sends_nothing_and_leaves_the_error_to_the_socket_api()
    {
        Assert.True(NativeSocketSend.Supported, "descriptor-level sends are Linux's (64-bit); these tests run there");
        await File.WriteAllBytesAsync(_path, Bytes(100_000));
        var (sender, receiver) = await ConnectedPairAsync();
        using (sender)
        using (var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.Asynchronous))
        {
            receiver.LingerState = new LingerOption(true, 0);
            receiver.Dispose();

            // The first send may still go out before the reset is seen; after it, nothing is taken.
            long total = 0;
            for (var i = 0; i < 100 && total < 100_000; i++)
            {
                var n = NativeSocketSend.SendFile(sender.SafeHandle, file.SafeFileHandle, 0, 100_000);
                if (n <= 0)
                {
                    break;
                }

                total += n;
            }

            Assert.Equal(0, NativeSocketSend.SendMore(sender.SafeHandle, "x"u8));
            await Assert.ThrowsAnyAsync<SocketException>(async () => await sender.SendAsync("x"u8.ToArray(), SocketFlags.None));
        }
    }

    private static byte[] Bytes(int count)
    {
        var bytes = new byte[count];
        new Random(20).NextBytes(bytes);
        return bytes;
    }

    private static async Task<(Socket Sender, Socket Receiver)> ConnectedPairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await receiver.ConnectAsync(listener.LocalEndPoint!);
        var sender = await listener.AcceptAsync();

        // An asynchronous operation puts the runtime's socket in non-blocking mode, as Kestrel's reads do.
        var pending = sender.ReceiveAsync(new byte[1], SocketFlags.None);
        await receiver.SendAsync("!"u8.ToArray(), SocketFlags.None);
        Assert.Equal(1, await pending);
        return (sender, receiver);
    }

    private static async Task<byte[]> ReadAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None);
            Assert.NotEqual(0, n);
            read += n;
        }

        return buffer;
    }
}
