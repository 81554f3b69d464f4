using System.IO.Pipelines;
using System.Net;
using Jint.Native;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// A body that JavaScript produces as a <c>ReadableStream</c>: each chunk is read from the stream on the event
/// loop as the consumer (Kestrel, the origin client, the cache) asks for it, so it streams instead of being
/// collected first. A stream that fails part way fails the copy (the connection is then aborted, never ended
/// as if the body were complete).
/// </summary>
internal sealed class JavaScriptStreamContent(WorkerRuntime runtime, JsValue reader, RequestState? owner) : HttpContent
{
    private int _read;

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        => await SerializeToStreamAsync(stream, context, CancellationToken.None).ConfigureAwait(false);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _read, 1) != 0)
        {
            throw new InvalidOperationException("A JavaScript stream body can be read only once.");
        }

        while (await runtime.ReadJavaScriptChunkAsync(reader, owner).WaitAsync(cancellationToken).ConfigureAwait(false) is { } chunk)
        {
            await stream.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
        }
    }

    // HttpContent would otherwise collect the whole body before handing out a stream (ResponseMessageWriter and
    // the Cache API read bodies through ReadAsStreamAsync): a pipe hands each chunk on as it comes.
    protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

    protected override Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken)
    {
        var pipe = new Pipe();
        _ = PumpAsync(pipe.Writer, cancellationToken);
        return Task.FromResult(pipe.Reader.AsStream());
    }

    private async Task PumpAsync(PipeWriter writer, CancellationToken cancellationToken)
    {
        try
        {
            await SerializeToStreamAsync(writer.AsStream(leaveOpen: true), null, cancellationToken).ConfigureAwait(false);
            await writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The reader sees the failure, so a broken stream never looks like a complete body.
            await writer.CompleteAsync(ex).ConfigureAwait(false);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
