using System.Net.Sockets;
using System.Text;

namespace EdgeCache.Server.Tests.Proxy;

/// <summary>
/// HTTP/1.1 exchanges on one raw keep-alive connection, reading exactly one response at a time (byte by byte up
/// to the end of the head), so that whatever a server sent past a response's end shows up in the next one.
/// </summary>
internal static class Http11Wire
{
    /// <summary>Writes <paramref name="request"/> and reads one whole response.</summary>
    public static async Task<(int Status, byte[] Body)> ExchangeAsync(NetworkStream stream, string request)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        return await ReadResponseAsync(stream);
    }

    /// <summary>Reads one response: its body by Content-Length, or de-chunked.</summary>
    public static async Task<(int Status, byte[] Body)> ReadResponseAsync(NetworkStream stream)
    {
        var head = await ReadHeadAsync(stream);
        if (head.Header("Content-Length") is { } contentLength)
        {
            var body = new byte[int.Parse(contentLength, System.Globalization.CultureInfo.InvariantCulture)];
            await stream.ReadExactlyAsync(body).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            return (head.Status, body);
        }

        // A miss streams with chunked framing.
        Assert.Equal("chunked", head.Header("Transfer-Encoding"));
        var chunks = new MemoryStream();
        while (true)
        {
            var size = Convert.ToInt32((await ReadLineAsync(stream)).Split(';')[0], 16);
            var chunk = new byte[size + 2];
            await stream.ReadExactlyAsync(chunk).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            if (size == 0)
            {
                return (head.Status, chunks.ToArray());
            }

            chunks.Write(chunk, 0, size);
        }
    }

    /// <summary>Reads a response head and nothing after it.</summary>
    public static async Task<Head> ReadHeadAsync(NetworkStream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (bytes.Count < 4 || !(bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n'))
        {
            await stream.ReadExactlyAsync(one, timeout.Token);
            bytes.Add(one[0]);
        }

        return new Head(Encoding.Latin1.GetString([.. bytes]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries));
    }

    private static async Task<string> ReadLineAsync(NetworkStream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (bytes.Count < 2 || !(bytes[^2] == '\r' && bytes[^1] == '\n'))
        {
            await stream.ReadExactlyAsync(one, timeout.Token);
            bytes.Add(one[0]);
        }

        return Encoding.Latin1.GetString([.. bytes])[..^2];
    }

    /// <summary>A response head's lines: the status line first.</summary>
    internal sealed record Head(string[] Lines)
    {
        public int Status => int.Parse(Lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);

        public string? Header(string name)
            => Lines.Skip(1).Select(l => l.Split(':', 2)).FirstOrDefault(p => p[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))?[1].Trim();
    }
}
