using System.Net.Sockets;
using System.Text;

namespace EdgeCache.Testing;

/// <summary>
/// Sends request bytes exactly as written (no URL normalisation, no header validation, as an attacker
/// would) over a new connection, and reads one response to the end of the connection.
/// </summary>
public static class RawHttp
{
    /// <summary>Sends <paramref name="request"/> (add <c>Connection: close</c> yourself) and parses the answer.</summary>
    public static async Task<RawResponse> SendAsync(Uri server, string request, TimeSpan? timeout = null)
        => await SendAsync(server, Encoding.Latin1.GetBytes(request), timeout);

    /// <summary>Sends request bytes and parses the answer; reading ends when the server closes or after the timeout (10 s).</summary>
    public static async Task<RawResponse> SendAsync(Uri server, byte[] request, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port, cts.Token);
        var stream = tcp.GetStream();
        await stream.WriteAsync(request, cts.Token);
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cts.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // Reset, or a server that keeps the connection open: parse what arrived.
        }

        return RawResponse.Parse(received.ToArray());
    }

    /// <summary>A GET for a raw target with extra header lines, closing the connection.</summary>
    public static string Get(string target, params string[] headerLines)
        => $"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{string.Concat(headerLines.Select(h => h + "\r\n"))}Connection: close\r\n\r\n";
}

/// <summary>The first response read from a raw connection.</summary>
/// <param name="Status">The status code, or 0 when nothing parseable arrived.</param>
/// <param name="Headers">The header lines.</param>
/// <param name="Body">The body (de-chunked).</param>
/// <param name="Raw">Everything that arrived.</param>
public sealed record RawResponse(int Status, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body, byte[] Raw)
{
    /// <summary>The body as UTF-8 text.</summary>
    public string Text => Encoding.UTF8.GetString(Body);

    /// <summary>All values of a header, joined with ", "; null when absent.</summary>
    public string? Header(string name)
    {
        var values = Headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();
        return values.Count == 0 ? null : string.Join(", ", values);
    }

    internal static RawResponse Parse(byte[] raw)
    {
        var text = Encoding.Latin1.GetString(raw);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0 || !text.StartsWith("HTTP/", StringComparison.Ordinal))
        {
            return new RawResponse(0, [], [], raw);
        }

        var lines = text[..end].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = new List<(string, string)>();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add((line[..colon], line[(colon + 1)..].Trim()));
        }

        var body = raw.AsSpan(end + 4);
        var chunked = headers.Any(h => h.Item1.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase));
        return new RawResponse(status, headers, chunked ? Dechunk(body) : body.ToArray(), raw);
    }

    private static byte[] Dechunk(ReadOnlySpan<byte> body)
    {
        var result = new MemoryStream();
        var position = 0;
        while (position < body.Length)
        {
            var lineEnd = body[position..].IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                break;
            }

            var sizeText = Encoding.Latin1.GetString(body.Slice(position, lineEnd)).Split(';')[0];
            if (!int.TryParse(sizeText, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out var size) || size == 0)
            {
                break;
            }

            position += lineEnd + 2;
            var take = Math.Min(size, body.Length - position);
            result.Write(body.Slice(position, take));
            position += take + 2;
        }

        return result.ToArray();
    }
}
