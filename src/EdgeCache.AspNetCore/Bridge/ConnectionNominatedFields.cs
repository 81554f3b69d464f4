using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.AspNetCore.Bridge;

/// <summary>
/// The field names an HTTP/1.1 client nominates in <c>Connection</c>, read from the bytes as they arrive.
/// Kestrel keeps only <c>keep-alive</c> / <c>close</c> / <c>upgrade</c> of a <c>Connection</c> value that also
/// lists other names (<c>Connection: keep-alive, X-Foo</c> reaches the application as <c>keep-alive</c>), so
/// without this the proxy could not honour RFC 9110 section 7.6.1: every field named by <c>Connection</c> is
/// hop-by-hop and must not be forwarded.
/// </summary>
/// <remarks>
/// Per connection, the names of the <c>Connection</c> lines in the last read that had any are kept, and they
/// apply only to a request that has a <c>Connection</c> field itself: a later request on the same connection
/// (one that a front proxy shares between clients, say) without one is never affected. Pipelined heads that
/// arrive in one read share the union of their names, and a <c>Connection:</c> line inside a body counts too:
/// both can only make the proxy drop a field, never forward one. Over TLS the middleware sees ciphertext, and
/// Kestrel's view is all there is.
/// </remarks>
internal sealed class ConnectionNominatedFields
{
    private const int MaxNames = 32;
    private const int MaxNameLength = 64;

    private static readonly object ItemKey = new();

    private readonly Lock _lock = new();
    private HashSet<string>? _names;

    /// <summary>The connection middleware that records the names (add it to a plaintext HTTP/1.1 listener).</summary>
    public static Func<ConnectionDelegate, ConnectionDelegate> Capture { get; } = next => async connection =>
    {
        var fields = new ConnectionNominatedFields();
        connection.Items[ItemKey] = fields;
        var transport = connection.Transport;
        connection.Transport = new ScanningTransport(transport, fields);
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            connection.Transport = transport;
        }
    };

    /// <summary>The names a request's <c>Connection</c> field nominated beyond Kestrel's view of it, or null when none.</summary>
    public static IReadOnlySet<string>? For(HttpContext context)
    {
        if (context.Request.Headers.Connection.Count == 0
            || context.Features.Get<IConnectionItemsFeature>()?.Items is not { } items
            || !items.TryGetValue(ItemKey, out var value) || value is not ConnectionNominatedFields fields)
        {
            return null;
        }

        lock (fields._lock)
        {
            return fields._names;
        }
    }

    private void Scan(ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsSingleSegment)
        {
            Scan(buffer.FirstSpan);
        }
        else
        {
            // Rare (a head split across segments): scan a copy.
            Scan((ReadOnlySpan<byte>)buffer.ToArray());
        }
    }

    private void Scan(ReadOnlySpan<byte> bytes)
    {
        const int NameLength = 10; // "connection"
        HashSet<string>? names = null;
        var offset = 0;
        while (true)
        {
            var colon = bytes[offset..].IndexOf((byte)':');
            if (colon < 0)
            {
                break;
            }

            colon += offset;
            offset = colon + 1;
            var start = colon - NameLength;
            if (start < 1 || bytes[start - 1] != (byte)'\n' || !System.Text.Ascii.EqualsIgnoreCase(bytes.Slice(start, NameLength), "connection"u8))
            {
                continue;
            }

            var line = bytes[offset..];
            var end = line.IndexOfAny((byte)'\r', (byte)'\n');
            Add(names ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase), end < 0 ? line : line[..end]);
        }

        if (names is not null)
        {
            lock (_lock)
            {
                _names = names;
            }
        }
    }

    private static void Add(HashSet<string> names, ReadOnlySpan<byte> value)
    {
        foreach (var range in value.Split((byte)','))
        {
            var part = value[range];
            var token = part[System.Text.Ascii.Trim(part)];
            if (!token.IsEmpty && token.Length <= MaxNameLength && names.Count < MaxNames)
            {
                names.Add(System.Text.Encoding.Latin1.GetString(token));
            }
        }
    }

    private sealed class ScanningTransport(IDuplexPipe inner, ConnectionNominatedFields fields) : IDuplexPipe
    {
        public PipeReader Input { get; } = new ScanningReader(inner.Input, fields);

        public PipeWriter Output => inner.Output;
    }

    // A PipeReader has at most one read outstanding, so one reusable completion source per connection serves every
    // read that has to wait: no state machine box per request (the pooled async builder still allocated one per
    // request under load, 190 B per miss).
    private sealed class ScanningReader : PipeReader, IValueTaskSource<ReadResult>
    {
        private readonly PipeReader _inner;
        private readonly ConnectionNominatedFields _fields;
        private readonly Action _completed;
        private ManualResetValueTaskSourceCore<ReadResult> _source;
        private ConfiguredValueTaskAwaitable<ReadResult>.ConfiguredValueTaskAwaiter _pending;

        public ScanningReader(PipeReader inner, ConnectionNominatedFields fields)
        {
            _inner = inner;
            _fields = fields;
            _completed = OnInnerCompleted;
        }

        public override void AdvanceTo(SequencePosition consumed) => _inner.AdvanceTo(consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => _inner.AdvanceTo(consumed, examined);

        public override void CancelPendingRead() => _inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => _inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => _inner.CompleteAsync(exception);

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            var read = _inner.ReadAsync(cancellationToken);
            if (read.IsCompletedSuccessfully)
            {
                var result = read.Result;
                _fields.Scan(result.Buffer);
                return new ValueTask<ReadResult>(result);
            }

            _source.Reset();
            _pending = read.ConfigureAwait(false).GetAwaiter();
            _pending.UnsafeOnCompleted(_completed);
            return new ValueTask<ReadResult>(this, _source.Version);
        }

        public override bool TryRead(out ReadResult result)
        {
            if (!_inner.TryRead(out result))
            {
                return false;
            }

            _fields.Scan(result.Buffer);
            return true;
        }

        ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _source.GetResult(token);

        ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _source.GetStatus(token);

        void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
            => _source.OnCompleted(continuation, state, token, flags);

        private void OnInnerCompleted()
        {
            var pending = _pending;
            _pending = default;
            ReadResult result;
            try
            {
                result = pending.GetResult();
                _fields.Scan(result.Buffer);
            }
            catch (Exception ex)
            {
                _source.SetException(ex);
                return;
            }

            _source.SetResult(result);
        }
    }
}
