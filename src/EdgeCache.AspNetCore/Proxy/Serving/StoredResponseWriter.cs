using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace EdgeCache.AspNetCore.Proxy;

/// <summary>
/// Writes a response from stored parts (a cache entry, or the shared buffer of an in-flight fetch)
/// straight into Kestrel's response, answering the client's preconditions (RFC 9110 section 13)
/// and Range (section 14). This is the hit path: no message objects, no LINQ, no closures.
/// </summary>
internal static class StoredResponseWriter
{
    private static readonly string[] SmallNumbers = CreateSmallNumbers(4096);

    // A stored body goes to Kestrel in pieces of its response buffer's size, each flushed before the next is
    // copied in: the pipe's blocks are reused while still in the CPU cache instead of a 1 MB body being
    // copied into 256 fresh blocks first. Measured on 1 MB hits: about 10% less CPU per response and a lower
    // p99; 16 KB and 32 KB pieces were slower, 128 KB no better (docs/performance.md).
    internal const int WriteChunkSize = 64 * 1024;

    // From this size a stored body goes to the socket as it is stored, when the connection allows it
    // (DirectSendConnection.For): no copy into Kestrel's pipe, sendfile(2) for a disk-tier file. Below it
    // the one copy costs less than the extra send (docs/performance.md, "Large hits"). A body in a memory-tier
    // file goes direct at any size: the tier's own threshold chose the file, and its other path (pread into
    // the pipe) is a copy and a system call more than sendfile.
    internal const int DirectSendThreshold = 64 * 1024;

    /// <summary>A non-negative number as a string, without allocating for small values.</summary>
    public static string Number(long n)
        => n >= 0 && n < SmallNumbers.Length ? SmallNumbers[n] : n.ToString(CultureInfo.InvariantCulture);

    /// <summary>Writes the response.</summary>
    /// <param name="context">The request.</param>
    /// <param name="status">The stored status.</param>
    /// <param name="headers">The stored headers (one per field line).</param>
    /// <param name="entry">The entry whose body to send, or null when <paramref name="buffer"/> holds it.</param>
    /// <param name="buffer">The shared buffer of an in-flight fetch, or null.</param>
    /// <param name="length">The body length, or -1 while unknown.</param>
    /// <param name="ageSeconds">The Age to send.</param>
    /// <param name="cacheStatus">This cache's Cache-Status member.</param>
    /// <param name="cf">The cf-cache-status value.</param>
    /// <param name="via">This cache's Via member.</param>
    /// <param name="passOn">The fields meant for this cache that go on to the client anyway (see <see cref="StaysHere"/>).</param>
    /// <param name="expected">A collapsed request's place in <paramref name="buffer"/>, settled as it starts reading.</param>
    public static async Task WriteAsync(
        HttpContext context, int status, IReadOnlyList<KeyValuePair<string, string>> headers,
        CacheEntry? entry, GrowingBuffer? buffer, long length, long ageSeconds, string cacheStatus, EdgeCacheStatus cf, string via,
        PassedOnFields passOn = PassedOnFields.None, ExpectedRead? expected = null)
    {
        var request = context.Request;
        var response = context.Response;
        var requestHeaders = request.Headers;
        var isHead = HttpMethods.IsHead(request.Method);

        if (HasPreconditions(requestHeaders))
        {
            var outcome = Preconditions.Evaluate(
                request.Method, status,
                NullIfEmpty(requestHeaders.IfMatch), NullIfEmpty(requestHeaders.IfNoneMatch),
                NullIfEmpty(requestHeaders.IfModifiedSince), NullIfEmpty(requestHeaders.IfUnmodifiedSince),
                Find(headers, "ETag"), Date(headers, "Last-Modified"), Date(headers, "Date"));
            if (outcome == PreconditionOutcome.NotModified)
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                WriteHeaders(response, headers, notModified: true, passOn);
                WriteCacheHeaders(response, ageSeconds, cacheStatus, cf, via);
                return;
            }

            if (outcome == PreconditionOutcome.PreconditionFailed)
            {
                response.StatusCode = StatusCodes.Status412PreconditionFailed;
                WriteCacheHeaders(response, ageSeconds, cacheStatus, cf, via);
                response.ContentType = "text/plain; charset=utf-8";
                await response.WriteAsync("412 Precondition Failed\n", context.RequestAborted).ConfigureAwait(false);
                return;
            }
        }

        var bodyAllowed = status is not (204 or 304) && status >= 200;
        if (status == 200 && requestHeaders.Range.Count > 0 && HttpMethods.IsGet(request.Method)
            && Preconditions.IfRangeHolds(NullIfEmpty(requestHeaders.IfRange), Find(headers, "ETag"), Date(headers, "Last-Modified"), Date(headers, "Date")))
        {
            if (length < 0 && buffer is not null)
            {
                length = await buffer.WaitForCompletionAsync(context.RequestAborted).ConfigureAwait(false);
            }

            if (length >= 0)
            {
                switch (RangeEvaluation.Evaluate(requestHeaders.Range.ToString(), length, out var ranges))
                {
                    case RangeOutcome.Unsatisfiable:
                        response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                        WriteHeaders(response, headers, notModified: true, passOn);
                        response.Headers.ContentRange = string.Concat("bytes */", Number(length));
                        response.ContentLength = 0;
                        WriteCacheHeaders(response, ageSeconds, cacheStatus, cf, via);
                        return;
                    case RangeOutcome.Partial:
                        await WritePartialAsync(context, headers, entry, buffer, expected, length, ranges, ageSeconds, cacheStatus, cf, via, passOn).ConfigureAwait(false);
                        return;
                }
            }
        }

        response.StatusCode = status;
        WriteHeaders(response, headers, notModified: false, passOn);
        if (bodyAllowed && length >= 0)
        {
            response.ContentLength = length;
        }

        WriteCacheHeaders(response, ageSeconds, cacheStatus, cf, via);
        if (isHead || !bodyAllowed || length == 0)
        {
            return;
        }

        await CopyBodyAsync(context, entry, buffer, 0, length, expected).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes the stored header lines, leaving out the fields that stay in this cache (<see cref="StaysHere"/>)
    /// and, for 304/416, representation metadata.
    /// </summary>
    public static void WriteHeaders(HttpResponse response, IReadOnlyList<KeyValuePair<string, string>> headers, bool notModified, PassedOnFields passOn)
    {
        var target = response.Headers;
        for (var i = 0; i < headers.Count; i++)
        {
            var (name, value) = headers[i];
            if (StaysHere(name, passOn))
            {
                continue;
            }

            if (notModified && (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Content-Language", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Content-Range", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            target.Append(name, value);
        }
    }

    /// <summary>
    /// True for a response field that does not leave this cache: this cache's own targeted field and
    /// <c>Surrogate-Control</c> always; <c>CDN-Cache-Control</c> unless <paramref name="passOn"/> forwards it
    /// (RFC 9213 section 3); <c>Cache-Tag</c> unless <paramref name="passOn"/> exposes it (purge metadata;
    /// Cloudflare strips it too).
    /// </summary>
    public static bool StaysHere(string name, PassedOnFields passOn)
        => ResponseFacts.IsConsumedTargetedField(name)
            || ((passOn & PassedOnFields.CdnCacheControl) == 0 && name.Equals("CDN-Cache-Control", StringComparison.OrdinalIgnoreCase))
            || ((passOn & PassedOnFields.CacheTags) == 0 && CacheTags.IsHeader(name));

    /// <summary>Adds Age, Cache-Status (appended to any upstream member), cf-cache-status and Via.</summary>
    public static void WriteCacheHeaders(HttpResponse response, long ageSeconds, string cacheStatus, EdgeCacheStatus cf, string via)
    {
        var headers = response.Headers;
        if (ageSeconds >= 0)
        {
            headers.Age = Number(ageSeconds);
        }

        headers.Append(CacheStatus.Header, cacheStatus);
        headers[EdgeCacheStatusNames.Header] = cf.ToHeaderValue();
        EdgeCacheFeature.For(response.HttpContext).Status = cf;
        headers.Append("Via", via);
    }

    /// <summary>
    /// Writes a 206 for one range from a stored part (RFC 9111 section 3.3): the stored fields without their
    /// <c>Content-Range</c>, the range's own <c>Content-Range</c> and <c>Content-Length</c>, and its bytes, which
    /// start <paramref name="offsetInPart"/> bytes into the part's body.
    /// </summary>
    public static Task WritePartAsync(
        HttpContext context, IReadOnlyList<KeyValuePair<string, string>> headers, CacheEntry part, long offsetInPart, ByteRange range, long completeLength,
        long ageSeconds, string cacheStatus, EdgeCacheStatus cf, string via, PassedOnFields passOn)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status206PartialContent;
        for (var i = 0; i < headers.Count; i++)
        {
            var (name, value) = headers[i];
            if (!StaysHere(name, passOn) && !name.Equals("Content-Range", StringComparison.OrdinalIgnoreCase))
            {
                response.Headers.Append(name, value);
            }
        }

        response.Headers.ContentRange = range.ContentRange(completeLength);
        response.ContentLength = range.Length;
        WriteCacheHeaders(response, ageSeconds, cacheStatus, cf, via);
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : CopyBodyAsync(context, part, null, offsetInPart, range.Length);
    }

    private static async Task WritePartialAsync(
        HttpContext context, IReadOnlyList<KeyValuePair<string, string>> headers, CacheEntry? entry, GrowingBuffer? buffer, ExpectedRead? expected,
        long length, IReadOnlyList<ByteRange> ranges, long ageSeconds, string cacheStatus, EdgeCacheStatus cf, string via, PassedOnFields passOn)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status206PartialContent;
        if (ranges.Count == 1)
        {
            var range = ranges[0];
            WriteHeaders(response, headers, notModified: false, passOn);
            response.Headers.ContentRange = range.ContentRange(length);
            response.ContentLength = range.Length;
            WriteCacheHeaders(response, ageSeconds, cacheStatus, cf, via);
            await CopyBodyAsync(context, entry, buffer, range.Offset, range.Length, expected).ConfigureAwait(false);
            return;
        }

        // RFC 9110 section 14.6: several ranges go out as multipart/byteranges.
        var contentType = Find(headers, "Content-Type");
        var boundary = Guid.NewGuid().ToString("N");
        var parts = new byte[ranges.Count][];
        long total = 0;
        for (var i = 0; i < ranges.Count; i++)
        {
            var head = new StringBuilder().Append("\r\n--").Append(boundary).Append("\r\n");
            if (contentType is not null)
            {
                head.Append("Content-Type: ").Append(contentType).Append("\r\n");
            }

            head.Append("Content-Range: ").Append(ranges[i].ContentRange(length)).Append("\r\n\r\n");
            parts[i] = Encoding.ASCII.GetBytes(head.ToString());
            total += parts[i].Length + ranges[i].Length;
        }

        var closing = Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n");
        total += closing.Length;
        for (var i = 0; i < headers.Count; i++)
        {
            // Nor a stored Content-Range (an origin may send one on a 200): RFC 9110 section 14.6 keeps it out of a
            // multipart head, where a client would read the whole multipart body as that one range.
            var (name, value) = headers[i];
            if (!StaysHere(name, passOn) && !name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)
                && !name.Equals("Content-Range", StringComparison.OrdinalIgnoreCase))
            {
                response.Headers.Append(name, value);
            }
        }

        response.ContentType = $"multipart/byteranges; boundary={boundary}";
        response.ContentLength = total;
        WriteCacheHeaders(response, ageSeconds, cacheStatus, cf, via);
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        for (var i = 0; i < ranges.Count; i++)
        {
            await response.Body.WriteAsync(parts[i], context.RequestAborted).ConfigureAwait(false);
            await CopyBodyAsync(context, entry, buffer, ranges[i].Offset, ranges[i].Length, expected).ConfigureAwait(false);
        }

        await response.Body.WriteAsync(closing, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task CopyBodyAsync(HttpContext context, CacheEntry? entry, GrowingBuffer? buffer, long offset, long count, ExpectedRead? expected = null)
    {
        var response = context.Response;
        var aborted = context.RequestAborted;

        // One lease for the whole copy, taken once: it decides both whether a small body may go direct (only one in a
        // shared file) and the memory path, and it keeps a native body's block (which an eviction, purge or
        // overwrite would free and reuse) until the bytes are written, or until a direct send that takes it over sent them.
        ReadOnlyMemory<byte> memory = default;
        var inMemory = entry is not null && entry.TryAcquireMemory(out memory);
        var leased = inMemory;
        try
        {
            if (entry is not null)
            {
                if ((count >= DirectSendThreshold || (!inMemory && entry is ISharedBodyFile)) && Hosting.DirectSendConnection.For(context) is { } direct)
                {
                    if (inMemory)
                    {
                        await StartDirectAsync(response, direct, aborted).ConfigureAwait(false);
                        leased = false;
                        direct.SendMemory(memory.Slice((int)offset, (int)count), Hosting.DirectSendOutput.Limit(context, count), entry);
                        Hosting.DirectSendOutput.AdvancePlaceholder(response.BodyWriter, count);
                        return;
                    }

                    if (await TrySendDirectAsync(context, direct, entry, offset, count).ConfigureAwait(false))
                    {
                        return;
                    }
                }

                if (inMemory)
                {
                    var body = memory.Slice((int)offset, (int)(count < 0 ? memory.Length - offset : count));
                    while (body.Length > WriteChunkSize)
                    {
                        await response.Body.WriteAsync(body[..WriteChunkSize], aborted).ConfigureAwait(false);
                        body = body[WriteChunkSize..];
                    }

                    await response.Body.WriteAsync(body, aborted).ConfigureAwait(false);
                    return;
                }

                if (entry is ISharedBodyFile shared && shared.TryAcquireBodyFile(out var file, out var fileLength))
                {
                    try
                    {
                        await CopySharedFileAsync(response, file, fileLength, offset, count < 0 ? fileLength - offset : count, aborted).ConfigureAwait(false);
                    }
                    finally
                    {
                        shared.ReleaseBodyFile();
                    }

                    return;
                }

                if (entry.BodyFilePath is { } path)
                {
                    await response.SendFileAsync(path, offset, count < 0 ? null : count, aborted).ConfigureAwait(false);
                    return;
                }

                var stream = entry.OpenBody();
                await using (stream.ConfigureAwait(false))
                {
                    if (offset > 0)
                    {
                        stream.Seek(offset, SeekOrigin.Begin);
                    }

                    var slice = count < 0 ? stream : new Http.StreamSlice(stream, offset, count);
                    await slice.CopyToAsync(response.Body, aborted).ConfigureAwait(false);
                }

                return;
            }

            if (buffer is not null)
            {
                await buffer.CopyToAsync(response.Body, offset, count, aborted, expected).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (!aborted.IsCancellationRequested)
        {
            if (!response.HasStarted)
            {
                // Nothing went out: the proxy can still answer from the origin (CachingProxy.InvokeAsync). A stored
                // entry's body gone past its grace, or a collapsed request's start of a fill's buffer already released
                // (a follower the fill gave up waiting for, or one that joined just as the fill began trimming): a second
                // origin request beats a reset connection.
                throw new StoredBodyUnavailableException(ex);
            }

            // The body broke off after the status line went out: abort so the client sees a failed
            // transfer, never a short body that looks complete. Said in the log, or the reset is all anyone sees.
            if (context.RequestServices?.GetService<Microsoft.Extensions.Logging.ILoggerFactory>() is { } logs)
            {
                ProxyLog.StoredBodyBrokeOff(logs.CreateLogger(ProxyLog.Category), context.Request.Path.Value ?? "/", ex);
            }

            context.Abort();
        }
        catch (Exception) when (aborted.IsCancellationRequested)
        {
            // The client went away (a direct send fails with the socket's error, not a cancellation).
        }
        finally
        {
            if (leased)
            {
                entry!.ReleaseMemory();
            }
        }
    }

    /// <summary>
    /// Starts the response for a direct body. Starting writes the head into the output without flushing it: the
    /// flush at the end of the response sends head and body in one system call. When the head did not land there
    /// (a flush still in progress holds it, or the response had started), flush so that it goes first.
    /// </summary>
    private static async Task StartDirectAsync(HttpResponse response, Hosting.DirectSendOutput direct, CancellationToken aborted)
    {
        var written = direct.Written;
        await response.StartAsync(aborted).ConfigureAwait(false);
        if (direct.Written == written)
        {
            await response.BodyWriter.FlushAsync(aborted).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The ordinary path (HTTP/2, TLS, a wrapped body) for a body in a shared memory file: read straight into Kestrel's
    /// output buffer in pieces of <see cref="WriteChunkSize"/> (one copy, as from an array), flushing each.
    /// </summary>
    private static async Task CopySharedFileAsync(HttpResponse response, Microsoft.Win32.SafeHandles.SafeFileHandle file, long fileLength, long offset, long count, CancellationToken aborted)
    {
        if (offset + count > fileLength)
        {
            throw new InvalidDataException("The memory body file is shorter than its entry says.");
        }

        var writer = response.BodyWriter;
        while (count > 0)
        {
            var memory = writer.GetMemory((int)Math.Min(count, WriteChunkSize));
            var piece = memory.Span[..(int)Math.Min(count, Math.Min(memory.Length, WriteChunkSize))];
            var n = RandomAccess.Read(file, piece, offset);
            if (n <= 0)
            {
                throw new InvalidDataException("The memory body file is shorter than its entry says.");
            }

            writer.Advance(n);
            offset += n;
            count -= n;
            var flushed = await writer.FlushAsync(aborted).ConfigureAwait(false);
            if (flushed.IsCanceled)
            {
                throw new OperationCanceledException("The response ended before its body was written.");
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="count"/> body bytes from <paramref name="offset"/> past Kestrel's pipe: the head
    /// goes out through Kestrel first, then the stored bytes themselves (memory, or the disk tier's file with
    /// sendfile(2); the memory tier's shared body file, with sendfile(2)), while Kestrel's body writer is advanced by the same count so that its Content-Length
    /// accounting and keep-alive stay right. False when the body is neither in memory nor in a file.
    /// </summary>
    private static async Task<bool> TrySendDirectAsync(HttpContext context, Hosting.DirectSendOutput direct, CacheEntry entry, long offset, long count)
    {
        var response = context.Response;
        var aborted = context.RequestAborted;
        if (entry is ISharedBodyFile shared && shared.TryAcquireBodyFile(out var sharedFile, out var sharedLength))
        {
            // The memory tier's body file, open and shared by every hit: no open per request. The reference taken
            // here keeps it open until the send ends, even if the entry is evicted or purged meanwhile.
            try
            {
                if (offset + count > sharedLength)
                {
                    throw new InvalidDataException("The memory body file is shorter than its entry says.");
                }

                var written = direct.Written;
                await response.StartAsync(aborted).ConfigureAwait(false);
                if (direct.Written == written)
                {
                    await response.BodyWriter.FlushAsync(aborted).ConfigureAwait(false);
                }
            }
            catch
            {
                shared.ReleaseBodyFile();
                throw;
            }

            direct.SendSharedFile(shared, sharedFile, offset, count, Hosting.DirectSendOutput.Limit(context, count));
            Hosting.DirectSendOutput.AdvancePlaceholder(response.BodyWriter, count);
            return true;
        }

        if (entry is not IFileBackedBody fileBacked || !fileBacked.TryGetBodyFile(out var path, out var start, out var length))
        {
            return false;
        }

        // Opened before the head goes out, and kept open until sent (the output owns it once queued): a purge
        // that unlinks the file meanwhile does not cut the body short. A file shorter than the entry says fails
        // the response, never truncates it. A handle, not a FileStream: the send reads at offsets only, and a
        // FileStream's handle getter moves the offset (an lseek) per access. Asynchronous: the socket API's file
        // send (the part the socket does not take at once) takes only such a file.
        var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
        try
        {
            if (offset + count > length || RandomAccess.GetLength(file) < start + length)
            {
                throw new InvalidDataException($"The body file {path} is shorter than its entry says.");
            }

            await response.BodyWriter.FlushAsync(aborted).ConfigureAwait(false);
        }
        catch
        {
            file.Dispose();
            throw;
        }

        direct.SendFile(file, start + offset, count, Hosting.DirectSendOutput.Limit(context, count));
        Hosting.DirectSendOutput.AdvancePlaceholder(response.BodyWriter, count);
        return true;
    }

    private static bool HasPreconditions(IHeaderDictionary headers)
        => headers.IfNoneMatch.Count > 0 || headers.IfModifiedSince.Count > 0
            || headers.IfMatch.Count > 0 || headers.IfUnmodifiedSince.Count > 0;

    private static string? NullIfEmpty(StringValues values) => values.Count == 0 ? null : values.ToString();

    internal static string? Find(IReadOnlyList<KeyValuePair<string, string>> headers, string name)
    {
        for (var i = 0; i < headers.Count; i++)
        {
            if (headers[i].Key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return headers[i].Value;
            }
        }

        return null;
    }

    private static DateTimeOffset? Date(IReadOnlyList<KeyValuePair<string, string>> headers, string name)
        => HttpDate.TryParse(Find(headers, name), out var value) ? value : null;

    private static string[] CreateSmallNumbers(int count)
    {
        var numbers = new string[count];
        for (var i = 0; i < count; i++)
        {
            numbers[i] = i.ToString(CultureInfo.InvariantCulture);
        }

        return numbers;
    }
}
