using System.Net;
using System.Text;
using EdgeCache.Http;
using EdgeCache.Semantics;
using EdgeCache.Storage;

namespace EdgeCache.CacheApi;

/// <summary>
/// A <c>multipart/byteranges</c> body (RFC 9110 section 14.6) over the ranges of a stored entry, laid out
/// byte for byte as Cloudflare's cache answers several ranges: parts separated by CRLF, each with its
/// <c>Content-Type</c> (when stored) and <c>Content-Range</c>, closed by <c>--boundary--</c>.
/// Its length is known up front, so the response carries an exact <c>Content-Length</c>.
/// </summary>
internal sealed class ByteRangesContent : HttpContent
{
    private readonly CacheEntry _entry;
    private readonly IReadOnlyList<ByteRange> _ranges;
    private readonly byte[][] _partHeads;
    private readonly byte[] _close;
    private readonly long _length;

    public ByteRangesContent(CacheEntry entry, IReadOnlyList<ByteRange> ranges, string? contentType, string boundary)
    {
        _entry = entry;
        _ranges = ranges;
        var total = entry.Metadata.BodyLength;
        _partHeads = new byte[ranges.Count][];
        long length = 0;
        for (var i = 0; i < ranges.Count; i++)
        {
            var head = new StringBuilder();
            if (i > 0)
            {
                head.Append("\r\n");
            }

            head.Append("--").Append(boundary).Append("\r\n");
            if (contentType is not null)
            {
                head.Append("Content-Type: ").Append(contentType).Append("\r\n");
            }

            head.Append("Content-Range: ").Append(ranges[i].ContentRange(total)).Append("\r\n\r\n");
            _partHeads[i] = Encoding.Latin1.GetBytes(head.ToString());
            length += _partHeads[i].Length + ranges[i].Length;
        }

        _close = Encoding.ASCII.GetBytes($"\r\n--{boundary}--");
        _length = length + _close.Length;
        Headers.TryAddWithoutValidation("Content-Type", $"multipart/byteranges; boundary={boundary}");
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var inMemory = _entry.TryGetMemory(out var memory);
        for (var i = 0; i < _ranges.Count; i++)
        {
            var range = _ranges[i];
            await stream.WriteAsync(_partHeads[i], cancellationToken).ConfigureAwait(false);
            if (inMemory)
            {
                await stream.WriteAsync(memory.Slice((int)range.Offset, (int)range.Length), cancellationToken).ConfigureAwait(false);
            }
            else if (range.Length > 0)
            {
                var slice = new StreamSlice(_entry.OpenBody(), range.Offset, range.Length);
                await using (slice.ConfigureAwait(false))
                {
                    await slice.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        await stream.WriteAsync(_close, cancellationToken).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _length;
        return true;
    }
}
