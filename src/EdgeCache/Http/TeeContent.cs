using System.Net;

namespace EdgeCache.Http;

/// <summary>One side of a teed body: an <see cref="HttpContent"/> over a branch of a <see cref="TeeSource"/>.</summary>
internal sealed class TeeContent : HttpContent
{
    private readonly SharedTee _shared;
    private readonly int _index;

    public TeeContent(SharedTee shared, int index)
    {
        _shared = shared;
        _index = index;
        foreach (var header in shared.Original.Headers.NonValidated)
        {
            foreach (var value in header.Value)
            {
                Headers.TryAddWithoutValidation(header.Key, value);
            }
        }
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var branch = await _shared.BranchAsync(_index, cancellationToken).ConfigureAwait(false);
        await branch.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken)
        => _shared.BranchAsync(_index, cancellationToken);

    protected override Task<Stream> CreateContentReadStreamAsync()
        => CreateContentReadStreamAsync(CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = _shared.DeclaredLength;
        return length >= 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _shared.Release(_index);
        }

        base.Dispose(disposing);
    }

    /// <summary>The state both sides share: the original content and, once read, the tee over its stream.</summary>
    internal sealed class SharedTee(HttpContent original)
    {
        private readonly Lock _sync = new();
        private readonly bool[] _released = new bool[2];
        private Task<TeeSource>? _source;

        public HttpContent Original { get; } = original;

        /// <summary>The original's Content-Length as declared, or -1 (read raw: asking the typed header would recurse into TryComputeLength).</summary>
        public long DeclaredLength { get; } =
            original.Headers.NonValidated.TryGetValues("Content-Length", out var values)
            && long.TryParse(values.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
                ? n
                : -1;

        public async Task<Stream> BranchAsync(int index, CancellationToken cancellationToken)
        {
            Task<TeeSource> source;
            lock (_sync)
            {
                ObjectDisposedException.ThrowIf(_released[index], this);
                source = _source ??= CreateAsync(cancellationToken);
            }

            var tee = await source.ConfigureAwait(false);
            return index == 0 ? tee.First : tee.Second;
        }

        public void Release(int index)
        {
            Task<TeeSource>? source;
            lock (_sync)
            {
                if (_released[index])
                {
                    return;
                }

                _released[index] = true;
                source = _source;
                if (source is null && _released[1 - index])
                {
                    Original.Dispose();
                    return;
                }
            }

            if (source is { IsCompletedSuccessfully: true })
            {
                (index == 0 ? source.Result.First : source.Result.Second).Dispose();
            }
            else
            {
                source?.ContinueWith(
                    static (t, state) =>
                    {
                        if (t.IsCompletedSuccessfully)
                        {
                            (((int)state!) == 0 ? t.Result.First : t.Result.Second).Dispose();
                        }
                    },
                    index,
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }

        private async Task<TeeSource> CreateAsync(CancellationToken cancellationToken)
        {
            var stream = await Original.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var tee = new TeeSource(stream);
            lock (_sync)
            {
                if (_released[0])
                {
                    tee.First.Dispose();
                }

                if (_released[1])
                {
                    tee.Second.Dispose();
                }
            }

            return tee;
        }
    }
}
