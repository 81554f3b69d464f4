using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.Win32.SafeHandles;

namespace EdgeCache.AspNetCore.Hosting;

/// <summary>
/// A connection's output, in place of the socket transport's: Kestrel writes into it as into any transport
/// pipe, and one send loop moves those bytes to the socket in order. Between them it can put a body that
/// goes to the socket as it is stored (<see cref="SendMemory"/>, <see cref="SendFile"/>: a memory-tier
/// body with one <c>send</c>, a disk-tier body with <c>sendfile(2)</c>) without Kestrel's copy into its pipe.
/// </summary>
/// <remarks>
/// Kestrel still counts the body (its Content-Length check and keep-alive depend on it): the response
/// advances its body writer by the body's length over memory that nobody reads (<see cref="Placeholder"/>),
/// and this writer drops those bytes instead of queueing them. A direct body is queued at the position in
/// the byte stream where it belongs, so the response head (written through Kestrel before it) and the next
/// response on the connection (after it) go out in order.
/// </remarks>
internal sealed class DirectSendOutput : PipeWriter
{
    // A timer's longest period (about 24 days): a larger body at the minimum rate is bounded by that.
    private const double MaxLimitSeconds = int.MaxValue / 1000.0;

    // Nobody reads what lands here: the placeholder bytes of a direct body are dropped, not sent.
    private static readonly byte[] Placeholder = new byte[64 * 1024];

    private readonly Socket _socket;
    private readonly ConnectionContext _connection;
    private readonly PipeWriter _transportOutput;
    private readonly DirectSendCounters _counters;
    private readonly Pipe _pipe;
    private readonly Queue<DirectBody> _bodies = new();
    private readonly Lock _lock = new();
    private readonly List<ArraySegment<byte>> _gather = [];
    private readonly Task _sending;
    private SocketAsyncEventArgs? _fileArgs;
    private SafeSocketHandle? _nativeHandle;
    private bool _nativeChecked;

    // Set (under _lock) once the send loop has dropped what was queued: a body queued after that is dropped at once.
    private bool _ended;

    // Written only by the response's side (Kestrel's writes and the proxy's, one at a time).
    private long _written;
    private long _flushed;
    private long _placeholderLeft;

    /// <summary>
    /// Whether file bodies go out through <see cref="NativeSocketSend"/> first (on by default; the environment
    /// variable <c>EDGECACHE_NATIVE_SENDS=0</c> turns it off, for an A/B of one build against itself).
    /// </summary>
    internal static bool NativeSends { get; set; } = Environment.GetEnvironmentVariable("EDGECACHE_NATIVE_SENDS") != "0";

    public DirectSendOutput(Socket socket, ConnectionContext connection, PipeWriter transportOutput, DirectSendCounters counters)
    {
        _socket = socket;
        _connection = connection;
        _transportOutput = transportOutput;
        _counters = counters;

        // Kestrel's socket transport pauses its writers at 64 KB queued; so does this pipe. The loop resumes
        // inline on the thread that flushed (Kestrel's, at the end of a response): the send is tried at once
        // on that thread, and only a send the socket cannot take now (EAGAIN) continues on the thread pool.
        _pipe = new Pipe(new PipeOptions(
            readerScheduler: PipeScheduler.Inline, pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024,
            minimumSegmentSize: 16 * 1024, useSynchronizationContext: false));
        _sending = Task.Run(SendLoopAsync);
    }

    /// <summary>The send loop; it ends after the connection's output completes and everything queued has gone out.</summary>
    public Task Sending => _sending;

    /// <summary>
    /// Queues <paramref name="body"/> to go to the socket after everything written so far. The caller then
    /// advances the response's body writer by its length (see <see cref="AdvancePlaceholder"/>) and need not
    /// wait: the bytes are the stored ones, never changed, and a send that fails aborts the connection, so
    /// the client sees a failed transfer, never a short body that looks complete.
    /// </summary>
    /// <param name="body">The bytes.</param>
    /// <param name="limit">How long the send may take before the connection is aborted (see <see cref="Limit"/>).</param>
    /// <param name="lease">The entry whose memory lease (<see cref="Storage.CacheEntry.TryAcquireMemory"/>) keeps <paramref name="body"/>: the output owns the lease from here and gives it back once the body is sent or dropped.</param>
    public void SendMemory(ReadOnlyMemory<byte> body, TimeSpan limit, Storage.CacheEntry? lease = null) => Queue(new DirectBody(_written, body, null, null, 0, body.Length, limit) { Lease = lease });

    /// <summary>
    /// Queues <paramref name="count"/> bytes of <paramref name="file"/> (opened for asynchronous reads) from
    /// <paramref name="offset"/>, sent with sendfile(2). The output owns <paramref name="file"/> from here and
    /// disposes of it once sent or failed.
    /// </summary>
    public void SendFile(SafeFileHandle file, long offset, long count, TimeSpan limit) => Queue(new DirectBody(_written, default, file, null, offset, count, limit));

    /// <summary>
    /// Queues <paramref name="count"/> bytes of a store's shared body file from <paramref name="offset"/>, sent with
    /// sendfile(2). The caller took a reference on it (<see cref="ISharedBodyFile.TryAcquireBodyFile"/>, which gave
    /// <paramref name="file"/>); the output owns that reference from here and gives it back once the body is sent or failed.
    /// </summary>
    public void SendSharedFile(ISharedBodyFile owner, SafeFileHandle file, long offset, long count, TimeSpan limit)
        => Queue(new DirectBody(_written, default, file, owner, offset, count, limit));

    /// <summary>
    /// The time a direct body of <paramref name="count"/> bytes may take: Kestrel's minimum response data rate
    /// for this request (its grace period plus the count at that rate), which a direct body bypasses otherwise,
    /// so a client that stops reading cannot hold the connection for ever. Infinite when the rate is off.
    /// </summary>
    public static TimeSpan Limit(Microsoft.AspNetCore.Http.HttpContext context, long count)
        => context.Features.Get<Microsoft.AspNetCore.Server.Kestrel.Core.Features.IHttpMinResponseDataRateFeature>()?.MinDataRate is { } rate
            ? TimeSpan.FromSeconds(Math.Min(rate.GracePeriod.TotalSeconds + (count / rate.BytesPerSecond), MaxLimitSeconds))
            : Timeout.InfiniteTimeSpan;

    /// <summary>
    /// Gives Kestrel's body writer <paramref name="count"/> bytes that this output drops, so that Kestrel
    /// counts the direct body it did not write.
    /// </summary>
    public static void AdvancePlaceholder(PipeWriter bodyWriter, long count)
    {
        while (count > 0)
        {
            var span = bodyWriter.GetSpan((int)Math.Min(count, Placeholder.Length));
            var n = (int)Math.Min(count, span.Length);
            bodyWriter.Advance(n);
            count -= n;
        }
    }

    private void Queue(DirectBody body)
    {
        bool ended;
        lock (_lock)
        {
            _placeholderLeft += body.Count;
            ended = _ended;
            if (!ended)
            {
                _bodies.Enqueue(body);
            }
        }

        if (ended)
        {
            // The send failed (the client hung up) while Kestrel still answered requests it had read (pipelined):
            // nothing will send this body, so its file (or its reference on a shared one) goes back now.
            body.Done();
            return;
        }

        _counters.OnDirectSend();

        // Everything before the body was flushed already (the loop may be waiting for bytes that will never
        // come): wake it. Otherwise the flush of those bytes (Kestrel's, at the end of the response) does, and
        // the head and a memory body go out in one send.
        if (body.Position <= _flushed)
        {
            _pipe.Reader.CancelPendingRead();
        }
    }

    public override void Advance(int bytes)
    {
        if (_placeholderLeft > 0)
        {
            if (bytes > _placeholderLeft)
            {
                throw new InvalidOperationException("More bytes advanced than the direct body's placeholder holds.");
            }

            _placeholderLeft -= bytes;
            return;
        }

        _written += bytes;
        _pipe.Writer.Advance(bytes);
    }

    public override Memory<byte> GetMemory(int sizeHint = 0)
        => _placeholderLeft > 0 ? Placeholder.AsMemory(0, (int)Math.Min(_placeholderLeft, Placeholder.Length)) : _pipe.Writer.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0)
        => _placeholderLeft > 0 ? Placeholder.AsSpan(0, (int)Math.Min(_placeholderLeft, Placeholder.Length)) : _pipe.Writer.GetSpan(sizeHint);

    public override void CancelPendingFlush() => _pipe.Writer.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => _pipe.Writer.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => _pipe.Writer.CompleteAsync(exception);

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        _flushed = _written;
        return _pipe.Writer.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// The bytes written into this output so far (direct bodies' placeholders not counted): a response that
    /// sees this grow when Kestrel starts it knows its head is here, queued before a body it queues next.
    /// </summary>
    public long Written => _written;

    public override bool CanGetUnflushedBytes => _pipe.Writer.CanGetUnflushedBytes;

    public override long UnflushedBytes => _pipe.Writer.UnflushedBytes;

    private async Task SendLoopAsync()
    {
        var reader = _pipe.Reader;
        long sent = 0;
        Exception? error = null;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                while (TryPeek(sent + buffer.Length, out var body))
                {
                    var before = buffer.Slice(0, body.Position - sent);
                    sent = body.Position;
                    buffer = buffer.Slice(before.End);
                    await SendBodyAsync(before, body).ConfigureAwait(false);
                }

                await SendAsync(buffer).ConfigureAwait(false);
                sent += buffer.Length;
                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            // The client went away (or the socket broke): Kestrel learns it from the completed reader and the
            // abort; the queued direct bodies are dropped (their files closed).
            error = ex;
            _connection.Abort(new ConnectionAbortedException("The connection's send failed.", ex));
        }
        finally
        {
            FailQueued(error ?? new ConnectionAbortedException("The connection closed before the body was sent."));
            await reader.CompleteAsync(error).ConfigureAwait(false);
            _fileArgs?.Dispose();

            // The socket transport shuts the socket down once its own output completes.
            await _transportOutput.CompleteAsync(error).ConfigureAwait(false);
        }
    }

    private bool TryPeek(long available, out DirectBody body)
    {
        lock (_lock)
        {
            if (_bodies.TryPeek(out body!) && body.Position <= available)
            {
                _bodies.Dequeue();
                return true;
            }

            return false;
        }
    }

    private void FailQueued(Exception error)
    {
        lock (_lock)
        {
            _ended = true;
            while (_bodies.TryDequeue(out var body))
            {
                body.Done();
            }
        }
    }

    /// <summary>Sends <paramref name="before"/> (the response head, usually) and then the body.</summary>
    private async ValueTask SendBodyAsync(ReadOnlySequence<byte> before, DirectBody body)
    {
        var file = body.File;
        try
        {
            // Aborting the connection fails the pending send, which ends this body and the loop.
            using var slow = body.Limit == Timeout.InfiniteTimeSpan ? null : new CancellationTokenSource(body.Limit);
            using var abort = slow?.Token.UnsafeRegister(
                static state => ((ConnectionContext)state!).Abort(new ConnectionAbortedException("The client read a direct body slower than the minimum response data rate.")),
                _connection);
            if (file is not null)
            {
                await SendHeadAndFileAsync(before, file, body.Offset, body.Count).ConfigureAwait(false);
            }
            else
            {
                await SendWithTailAsync(before, body.Memory).ConfigureAwait(false);
            }
        }
        finally
        {
            body.Done();
        }
    }

    /// <summary>
    /// <paramref name="head"/> and <paramref name="tail"/> in one gathering send (one system call for a
    /// response head and its body), then whatever the socket did not take.
    /// </summary>
    private async ValueTask SendWithTailAsync(ReadOnlySequence<byte> head, ReadOnlyMemory<byte> tail)
    {
        if (head.IsEmpty || !MemoryMarshal.TryGetArray(tail, out var tailArray))
        {
            await SendAsync(head).ConfigureAwait(false);
            await SendAllAsync(tail).ConfigureAwait(false);
            return;
        }

        _gather.Clear();
        foreach (var segment in head)
        {
            if (!MemoryMarshal.TryGetArray(segment, out var array))
            {
                await SendAsync(head).ConfigureAwait(false);
                await SendAllAsync(tail).ConfigureAwait(false);
                return;
            }

            _gather.Add(array);
        }

        _gather.Add(tailArray);
        var n = await _socket.SendAsync(_gather, SocketFlags.None).ConfigureAwait(false);
        if (n < head.Length)
        {
            await SendAllAsync(head.Slice(n)).ConfigureAwait(false);
            await SendAllAsync(tail).ConfigureAwait(false);
        }
        else
        {
            await SendAllAsync(tail[(int)(n - head.Length)..]).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// <paramref name="head"/>, then <paramref name="count"/> bytes of <paramref name="file"/>: first on this thread
    /// with <c>send(MSG_MORE)</c> and <c>sendfile</c> on the descriptor (<see cref="NativeSocketSend"/>), then, for
    /// whatever the socket did not take at once, through the socket API, which waits for it to drain.
    /// </summary>
    private async ValueTask SendHeadAndFileAsync(ReadOnlySequence<byte> head, SafeFileHandle file, long offset, long count)
    {
        if (NativeHandle() is { } handle)
        {
            while (!head.IsEmpty)
            {
                var first = head.First.Span;
                var n = NativeSocketSend.SendMore(handle, first);
                head = head.Slice(n);
                if (n < first.Length)
                {
                    break;
                }
            }

            if (!head.IsEmpty)
            {
                await SendAsync(head).ConfigureAwait(false);
                head = default;
            }

            var sent = NativeSocketSend.SendFile(handle, file, offset, count);
            if (sent < 0)
            {
                throw new InvalidDataException("The body file ended before the entry's length.");
            }

            offset += sent;
            count -= sent;
        }

        await SendAsync(head).ConfigureAwait(false);
        if (count > 0)
        {
            await SendFileAsync(file, offset, count).ConfigureAwait(false);
        }
    }

    /// <summary>The socket's descriptor for <see cref="NativeSocketSend"/>, or null where that cannot be used (looked at once per connection).</summary>
    private SafeSocketHandle? NativeHandle()
    {
        if (_nativeChecked)
        {
            return _nativeHandle;
        }

        _nativeChecked = true;
        if (NativeSocketSend.Supported && NativeSends)
        {
            var handle = _socket.SafeHandle;
            _nativeHandle = NativeSocketSend.IsNonBlocking(handle) ? handle : null;
        }

        return _nativeHandle;
    }

    private async ValueTask SendAsync(ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return;
        }

        if (buffer.IsSingleSegment)
        {
            await SendAllAsync(buffer.First).ConfigureAwait(false);
            return;
        }

        // One gathering send for the head and small bodies that span the pipe's segments.
        _gather.Clear();
        foreach (var segment in buffer)
        {
            if (!MemoryMarshal.TryGetArray(segment, out var array))
            {
                await SendAllAsync(segment).ConfigureAwait(false);
                continue;
            }

            _gather.Add(array);
        }

        var total = buffer.Length;
        var n = await _socket.SendAsync(_gather, SocketFlags.None).ConfigureAwait(false);
        if (n < total)
        {
            // A short gathering send: the rest, segment by segment.
            await SendAllAsync(buffer.Slice(n)).ConfigureAwait(false);
        }
    }

    private async ValueTask SendAllAsync(ReadOnlySequence<byte> buffer)
    {
        foreach (var segment in buffer)
        {
            await SendAllAsync(segment).ConfigureAwait(false);
        }
    }

    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> memory)
    {
        while (!memory.IsEmpty)
        {
            var n = await _socket.SendAsync(memory, SocketFlags.None).ConfigureAwait(false);
            if (n <= 0)
            {
                throw new SocketException((int)SocketError.ConnectionReset);
            }

            memory = memory[n..];
        }
    }

    private async ValueTask SendFileAsync(SafeFileHandle file, long offset, long count)
    {
        // SendPacketsAsync is the socket API that takes a file region (on Linux it is sendfile(2)), but only through a
        // FileStream: this one borrows the handle. It is never disposed (that would close the handle, which is the
        // body's owner's), and its finalizer, which would not close it either, is not needed.
        var stream = new FileStream(file, FileAccess.Read, bufferSize: 0, isAsync: file.IsAsync);
        GC.SuppressFinalize(stream);
        var args = _fileArgs ??= new SocketAsyncEventArgs();
        while (count > 0)
        {
            var piece = (int)Math.Min(count, 1 << 30);
            // Completed runs on a thread-pool thread already: the loop continues there, without a second hop.
            var completion = new TaskCompletionSource();
            args.SendPacketsElements = [new SendPacketsElement(stream, offset, piece)];
            args.UserToken = completion;
            args.Completed += OnFileSent;
            try
            {
                if (_socket.SendPacketsAsync(args))
                {
                    await completion.Task.ConfigureAwait(false);
                }
            }
            finally
            {
                args.Completed -= OnFileSent;
            }

            if (args.SocketError != SocketError.Success)
            {
                throw new SocketException((int)args.SocketError);
            }

            offset += piece;
            count -= piece;
        }
    }

    private static void OnFileSent(object? sender, SocketAsyncEventArgs args) => ((TaskCompletionSource)args.UserToken!).TrySetResult();

    /// <summary>A queued direct body: stored memory, or a file region (a file of its own, or a reference on a store's shared one).</summary>
    private sealed class DirectBody(long position, ReadOnlyMemory<byte> memory, SafeFileHandle? file, ISharedBodyFile? shared, long offset, long count, TimeSpan limit)
    {
        /// <summary>The entry whose memory lease holds <see cref="Memory"/>, or null (an array).</summary>
        public Storage.CacheEntry? Lease { get; init; }

        /// <summary>The body is sent or dropped: its own file is closed, a shared one's reference (or a memory lease) given back.</summary>
        public void Done()
        {
            Lease?.ReleaseMemory();
            if (shared is not null)
            {
                shared.ReleaseBodyFile();
            }
            else
            {
                File?.Dispose();
            }
        }

        public TimeSpan Limit { get; } = limit;

        public long Position { get; } = position;

        public ReadOnlyMemory<byte> Memory { get; } = memory;

        public SafeFileHandle? File { get; } = file;

        public long Offset { get; } = offset;

        public long Count { get; } = count;
    }
}
