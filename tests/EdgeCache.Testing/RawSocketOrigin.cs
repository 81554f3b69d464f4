using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeCache.Testing;

/// <summary>
/// A loopback origin on a bare <see cref="TcpListener"/> (port 0): it logs the exact bytes of every request
/// it receives (head and body, as framed on the wire) and answers with canned bytes, so a test can see
/// what a well-behaved server such as Kestrel would hide (framing, header order, chunk sizes) and can send
/// what Kestrel would refuse to. One request per connection; every answer carries <c>Connection: close</c>.
/// </summary>
public sealed class RawSocketOrigin : IAsyncDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentDictionary<string, byte[]> _answers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Func<Task>> _gates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _drops = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _incomplete;

    private RawSocketOrigin()
    {
        _listener.Start();
        _accepting = AcceptLoopAsync();
    }

    /// <summary>The origin's base URL, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseUri => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>Every complete request received, in order of arrival.</summary>
    public ConcurrentQueue<RawRequest> Requests { get; } = new();

    /// <summary>Connections that ended (closed, reset or timed out) before a complete request arrived on them.</summary>
    public int IncompleteRequests => Volatile.Read(ref _incomplete);

    /// <summary>Starts listening.</summary>
    public static RawSocketOrigin Start() => new();

    /// <summary>
    /// Sets the raw response of a path (without query), as Latin-1 text; <paramref name="utf8Header"/>, when
    /// given, is inserted after the status line as UTF-8 bytes. Unknown paths answer 404.
    /// </summary>
    public void Answer(string path, string latin1Response, string? utf8Header = null)
    {
        var bytes = Encoding.Latin1.GetBytes(latin1Response);
        if (utf8Header is not null)
        {
            var lineEnd = latin1Response.IndexOf("\r\n", StringComparison.Ordinal) + 2;
            bytes = [.. bytes.AsSpan(0, lineEnd), .. Encoding.UTF8.GetBytes(utf8Header + "\r\n"), .. bytes.AsSpan(lineEnd)];
        }

        _answers[path] = bytes;
        _drops.TryRemove(path, out _);
    }

    /// <summary>
    /// Makes a path's requests go unanswered: once a request is read its connection is closed (a FIN), or with
    /// <paramref name="reset"/> reset (an RST: linger zero). <see cref="Answer"/> undoes it.
    /// </summary>
    public void Drop(string path, bool reset) => _drops[path] = reset;

    /// <summary>Makes a path wait for <paramref name="gate"/> after reading a request and before answering it.</summary>
    public void Hold(string path, Func<Task> gate) => _gates[path] = gate;

    /// <summary>The complete requests received for a path (without query).</summary>
    public IReadOnlyList<RawRequest> For(string path) => Requests.Where(r => r.Path == path).ToList();

    /// <summary>The last complete request received for a path, or null.</summary>
    public RawRequest? Last(string path) => Requests.LastOrDefault(r => r.Path == path);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(ReadTimeout);
                var stream = client.GetStream();
                RawRequest? request;
                try
                {
                    request = await ReadRequestAsync(stream, timeout.Token);
                }
                catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
                {
                    request = null;
                }

                if (request is null)
                {
                    Interlocked.Increment(ref _incomplete);
                    return;
                }

                Requests.Enqueue(request);
                if (_gates.TryGetValue(request.Path, out var gate))
                {
                    await gate().WaitAsync(ReadTimeout, _stop.Token);
                }

                if (_drops.TryGetValue(request.Path, out var reset))
                {
                    if (reset)
                    {
                        client.Client.LingerState = new LingerOption(true, 0);
                    }

                    return;
                }

                var answer = _answers.TryGetValue(request.Path, out var bytes)
                    ? bytes
                    : "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"u8.ToArray();
                await stream.WriteAsync(InsertConnectionClose(answer), _stop.Token);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or TimeoutException)
            {
                // The peer went away or sent an incomplete request: nothing is logged for it.
            }
        }
    }

    /// <summary>Reads one request as framed on the wire: the head, then a Content-Length body or chunks up to the last one.</summary>
    private static async Task<RawRequest?> ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var received = new List<byte>(4096);
        var chunk = new byte[16 * 1024];
        int headEnd;
        while ((headEnd = IndexOf(received, "\r\n\r\n"u8)) < 0)
        {
            var n = await stream.ReadAsync(chunk, cancellationToken);
            if (n == 0)
            {
                return null;
            }

            received.AddRange(chunk.AsSpan(0, n));
        }

        var bodyStart = headEnd + 4;
        var head = Encoding.Latin1.GetString(received.ToArray(), 0, bodyStart);
        var target = head.Split(' ', 3)[1];
        var query = target.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? target : target[..query];
        var chunked = RawRequest.Values(head, "Transfer-Encoding").Any(v => v.Contains("chunked", StringComparison.OrdinalIgnoreCase));
        var declared = RawRequest.Values(head, "Content-Length").Select(v => long.Parse(v, NumberStyles.None, CultureInfo.InvariantCulture)).FirstOrDefault();

        Func<List<byte>, bool> complete = chunked
            ? bytes => ChunkedBodyEnds(bytes, bodyStart)
            : bytes => bytes.Count - bodyStart >= declared;
        while (!complete(received))
        {
            var n = await stream.ReadAsync(chunk, cancellationToken);
            if (n == 0)
            {
                return null;
            }

            received.AddRange(chunk.AsSpan(0, n));
        }

        var all = received.ToArray();
        return new RawRequest(path, head, all[bodyStart..], all);
    }

    /// <summary>True once the chunked body from <paramref name="start"/> has its last (zero-size) chunk and the empty line after the trailers.</summary>
    private static bool ChunkedBodyEnds(List<byte> bytes, int start)
    {
        var position = start;
        while (true)
        {
            var lineEnd = IndexOf(bytes, "\r\n"u8, position);
            if (lineEnd < 0)
            {
                return false;
            }

            var sizeText = Encoding.Latin1.GetString(bytes.GetRange(position, lineEnd - position).ToArray());
            var extension = sizeText.IndexOf(';', StringComparison.Ordinal);
            var size = long.Parse(extension < 0 ? sizeText : sizeText[..extension], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                // Trailer lines, if any, end with an empty line.
                return IndexOf(bytes, "\r\n\r\n"u8, lineEnd) >= 0;
            }

            position = (int)(lineEnd + 2 + size + 2);
            if (position > bytes.Count)
            {
                return false;
            }
        }
    }

    private static int IndexOf(List<byte> bytes, ReadOnlySpan<byte> pattern, int from = 0)
    {
        for (var i = from; i <= bytes.Count - pattern.Length; i++)
        {
            var match = true;
            for (var j = 0; j < pattern.Length && match; j++)
            {
                match = bytes[i + j] == pattern[j];
            }

            if (match)
            {
                return i;
            }
        }

        return -1;
    }

    private static byte[] InsertConnectionClose(byte[] answer)
    {
        var lineEnd = Array.IndexOf(answer, (byte)'\n') + 1;
        return [.. answer.AsSpan(0, lineEnd), .. "Connection: close\r\n"u8, .. answer.AsSpan(lineEnd)];
    }
}

/// <summary>One request as a <see cref="RawSocketOrigin"/> received it.</summary>
/// <param name="Path">The request target's path, without query.</param>
/// <param name="Head">The request line and header lines, up to and including the empty line (Latin-1).</param>
/// <param name="Body">The body bytes exactly as framed on the wire (chunk sizes included when chunked).</param>
/// <param name="Bytes">Everything received for the request.</param>
public sealed record RawRequest(string Path, string Head, byte[] Body, byte[] Bytes)
{
    /// <summary>The values of a request header, in order (empty when absent).</summary>
    public IReadOnlyList<string> Header(string name) => Values(Head, name);

    /// <summary>The body as Latin-1 text.</summary>
    public string BodyText => Encoding.Latin1.GetString(Body);

    internal static IReadOnlyList<string> Values(string head, string name)
        => head.Split("\r\n").Skip(1)
            .Select(line => (Line: line, Colon: line.IndexOf(':', StringComparison.Ordinal)))
            .Where(l => l.Colon > 0 && l.Line.AsSpan(0, l.Colon).Equals(name, StringComparison.OrdinalIgnoreCase))
            .Select(l => l.Line[(l.Colon + 1)..].Trim())
            .ToList();
}
