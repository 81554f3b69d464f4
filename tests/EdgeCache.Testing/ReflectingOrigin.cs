using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeCache.Testing;

/// <summary>
/// An HTTP/1.1 origin on a raw socket (127.0.0.1, port 0) that keeps the exact bytes of every request and,
/// by default, reflects the request target, every header and the body into a cacheable response: the
/// origin an attacker hopes for, since anything unkeyed that reaches it shows up in a stored body.
/// </summary>
public sealed class ReflectingOrigin : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly ConcurrentBag<TcpClient> _clients = [];

    private ReflectingOrigin()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        BaseUri = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    /// <summary>The origin's base URL.</summary>
    public Uri BaseUri { get; }

    /// <summary>Every request received, in order of arrival.</summary>
    public ConcurrentQueue<ReflectedRequest> Requests { get; } = new();

    /// <summary>
    /// Decides the answer to a request; by default 200 <c>text/plain</c>, <c>Cache-Control: public, max-age=600</c>,
    /// the reflection as body. A handler may return <see cref="ReflectedResponse.Reflect"/> with other headers.
    /// </summary>
    public Func<ReflectedRequest, ReflectedResponse> Handler { get; set; } = static r => ReflectedResponse.Reflect(r);

    /// <summary>Starts an origin.</summary>
    public static ReflectingOrigin Start() => new();

    /// <summary>The requests whose target starts with a prefix.</summary>
    public IReadOnlyList<ReflectedRequest> To(string targetPrefix) => [.. Requests.Where(r => r.Target.StartsWith(targetPrefix, StringComparison.Ordinal))];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        try
        {
            await _accepting.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException or TimeoutException)
        {
            // Stopping.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _clients.Add(client);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        var reader = new ByteReader(stream);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var head = await reader.ReadHeadAsync(_stop.Token);
                if (head is null)
                {
                    return;
                }

                var request = await ReadRequestAsync(head, reader);
                Requests.Enqueue(request);
                var response = Handler(request);
                await stream.WriteAsync(response.Serialize(request.Method), _stop.Token);
                if (response.Close || request.Headers.Any(h => h.Name.Equals("Connection", StringComparison.OrdinalIgnoreCase) && h.Value.Contains("close", StringComparison.OrdinalIgnoreCase)))
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException or FormatException)
        {
            // The proxy went away, or sent something this origin does not parse: the connection ends.
        }
    }

    private static async Task<ReflectedRequest> ReadRequestAsync(byte[] head, ByteReader reader)
    {
        var text = Encoding.Latin1.GetString(head);
        var lines = text.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        var headers = new List<(string Name, string Value)>();
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add((line[..colon], line[(colon + 1)..].Trim()));
        }

        var body = Array.Empty<byte>();
        var length = headers.FirstOrDefault(h => h.Name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)).Value;
        var chunked = headers.Any(h => h.Name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && h.Value.Contains("chunked", StringComparison.OrdinalIgnoreCase));
        var raw = new MemoryStream();
        raw.Write(head);
        if (chunked)
        {
            body = await reader.ReadChunkedAsync(raw);
        }
        else if (length is not null)
        {
            body = await reader.ReadExactlyAsync(int.Parse(length, System.Globalization.CultureInfo.InvariantCulture));
            raw.Write(body);
        }

        return new ReflectedRequest(requestLine[0], requestLine[1], headers, body, raw.ToArray());
    }

    /// <summary>Buffered reads of request heads, exact lengths and chunked bodies from a socket.</summary>
    private sealed class ByteReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;

        public async Task<byte[]?> ReadHeadAsync(CancellationToken cancellationToken)
        {
            var head = new MemoryStream();
            while (true)
            {
                if (_start == _end && !await FillAsync(cancellationToken))
                {
                    return null;
                }

                head.WriteByte(_buffer[_start++]);
                if (head.Length >= 4 && EndsWith(head, "\r\n\r\n"u8))
                {
                    return head.ToArray();
                }

                if (head.Length > 256 * 1024)
                {
                    throw new FormatException("request head too large");
                }
            }
        }

        public async Task<byte[]> ReadExactlyAsync(int count)
        {
            var result = new byte[count];
            for (var i = 0; i < count; i++)
            {
                if (_start == _end && !await FillAsync(CancellationToken.None))
                {
                    throw new IOException("body ended early");
                }

                result[i] = _buffer[_start++];
            }

            return result;
        }

        public async Task<byte[]> ReadChunkedAsync(MemoryStream raw)
        {
            var body = new MemoryStream();
            while (true)
            {
                var line = await ReadLineAsync(raw);
                var size = int.Parse(line.Split(';')[0].Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
                if (size == 0)
                {
                    while ((await ReadLineAsync(raw)).Length > 0)
                    {
                        // Trailer fields.
                    }

                    return body.ToArray();
                }

                var chunk = await ReadExactlyAsync(size);
                raw.Write(chunk);
                body.Write(chunk);
                await ReadLineAsync(raw);
            }
        }

        private async Task<string> ReadLineAsync(MemoryStream raw)
        {
            var line = new StringBuilder();
            while (true)
            {
                if (_start == _end && !await FillAsync(CancellationToken.None))
                {
                    throw new IOException("chunked body ended early");
                }

                var b = _buffer[_start++];
                raw.WriteByte(b);
                if (b == '\n')
                {
                    return line.ToString().TrimEnd('\r');
                }

                line.Append((char)b);
            }
        }

        private async Task<bool> FillAsync(CancellationToken cancellationToken)
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer, cancellationToken);
            return _end > 0;
        }

        private static bool EndsWith(MemoryStream stream, ReadOnlySpan<byte> suffix)
            => stream.GetBuffer().AsSpan(0, (int)stream.Length).EndsWith(suffix);
    }
}

/// <summary>One request as the origin received it.</summary>
/// <param name="Method">The method.</param>
/// <param name="Target">The request target, byte for byte.</param>
/// <param name="Headers">The header lines in order.</param>
/// <param name="Body">The body, de-chunked.</param>
/// <param name="Raw">The exact bytes of the request (head and body as framed).</param>
public sealed record ReflectedRequest(string Method, string Target, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body, byte[] Raw)
{
    /// <summary>The first value of a header, or null.</summary>
    public string? Header(string name) => Headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>True when a header with this name arrived.</summary>
    public bool Has(string name) => Headers.Any(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>An answer of the <see cref="ReflectingOrigin"/>.</summary>
/// <param name="Status">The status code.</param>
/// <param name="Headers">The header lines (Content-Length is added).</param>
/// <param name="Body">The body.</param>
public sealed record ReflectedResponse(int Status, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body)
{
    /// <summary>Close the connection after this response.</summary>
    public bool Close { get; init; }

    /// <summary>
    /// A response reflecting the request (target, headers, body); a 200 is cacheable (public, max-age=600) unless
    /// <paramref name="headers"/> say otherwise, an error carries no caching headers. An empty value removes a default field.
    /// </summary>
    public static ReflectedResponse Reflect(ReflectedRequest request, int status = 200, params (string Name, string Value)[] headers)
    {
        var text = new StringBuilder();
        text.Append("method=").Append(request.Method).Append('\n');
        text.Append("target=").Append(request.Target).Append('\n');
        foreach (var (name, value) in request.Headers)
        {
            text.Append(name).Append(": ").Append(value).Append('\n');
        }

        text.Append("body=").Append(Encoding.UTF8.GetString(request.Body)).Append('\n');
        var list = new List<(string, string)>(headers);
        if (status == 200 && !list.Any(h => h.Item1.Equals("Cache-Control", StringComparison.OrdinalIgnoreCase)))
        {
            list.Add(("Cache-Control", "public, max-age=600"));
        }

        if (!list.Any(h => h.Item1.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)))
        {
            list.Add(("Content-Type", "text/plain; charset=utf-8"));
        }

        // An empty value leaves the field out (no default Cache-Control, say).
        list.RemoveAll(h => h.Item2.Length == 0);

        return new ReflectedResponse(status, list, Encoding.UTF8.GetBytes(text.ToString()));
    }

    internal byte[] Serialize(string method)
    {
        var head = new StringBuilder();
        head.Append("HTTP/1.1 ").Append(Status).Append(' ').Append(Status == 200 ? "OK" : "Status").Append("\r\n");
        foreach (var (name, value) in Headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        var bodyless = Status is 304 or 204 || Status < 200;
        if (!bodyless)
        {
            head.Append("Content-Length: ").Append(Body.Length).Append("\r\n");
        }

        head.Append("\r\n");
        var bytes = Encoding.Latin1.GetBytes(head.ToString());
        return bodyless || method == "HEAD" ? bytes : [.. bytes, .. Body];
    }
}
