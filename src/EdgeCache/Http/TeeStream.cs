using System.Buffers;

namespace EdgeCache.Http;

/// <summary>
/// One source stream read once and delivered whole to two readers. A reader that runs ahead waits
/// while the other is more than <see cref="MaxLag"/> bytes behind, so the body is never buffered
/// whole; a reader that is disposed simply drops out. A reader left behind and not read for
/// <see cref="LagTimeout"/> is cut off (it fails with an <see cref="IOException"/>), so an abandoned
/// clone can never stall the other side forever.
/// </summary>
internal sealed class TeeSource : IDisposable
{
    internal const int MaxLag = 4 * 1024 * 1024;
    internal static readonly TimeSpan LagTimeout = TimeSpan.FromSeconds(30);

    private readonly Stream _source;
    private readonly SemaphoreSlim _readLock = new(1, 1);
    private readonly Lock _sync = new();
    private readonly Branch[] _branches;
    private bool _sourceDone;
    private Exception? _sourceError;

    public TeeSource(Stream source)
    {
        _source = source;
        _branches = [new Branch(this, 0), new Branch(this, 1)];
    }

    public Stream First => _branches[0];

    public Stream Second => _branches[1];

    public void Dispose()
    {
        _source.Dispose();
        _readLock.Dispose();
    }

    private async ValueTask<int> ReadAsync(Branch branch, Memory<byte> destination, CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_sync)
            {
                if (branch.CutOff)
                {
                    throw new IOException("The other reader of this body ran too far ahead; this copy was abandoned.");
                }

                if (branch.TryDequeue(destination, out var copied))
                {
                    NotifyDrained(branch);
                    return copied;
                }

                if (_sourceError is not null)
                {
                    throw new IOException("Reading the body failed.", _sourceError);
                }

                if (_sourceDone)
                {
                    return 0;
                }
            }

            // Wait while the other branch is too far behind.
            var other = _branches[branch.Other];
            Task? wait = null;
            lock (_sync)
            {
                if (!other.Disposed && !other.CutOff && other.Buffered >= MaxLag)
                {
                    other.DrainedSignal ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    wait = other.DrainedSignal.Task;
                }
            }

            if (wait is not null)
            {
                var finished = await Task.WhenAny(wait, Task.Delay(LagTimeout, cancellationToken)).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                if (finished != wait)
                {
                    lock (_sync)
                    {
                        other.CutOffNow();
                    }
                }

                continue;
            }

            await _readLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                lock (_sync)
                {
                    if (branch.Buffered > 0 || _sourceDone)
                    {
                        continue; // the other branch read for us meanwhile
                    }
                }

                var rented = ArrayPool<byte>.Shared.Rent(Math.Max(destination.Length, 16 * 1024));
                int read;
                try
                {
                    read = await _source.ReadAsync(rented.AsMemory(0, Math.Min(rented.Length, 64 * 1024)), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    ArrayPool<byte>.Shared.Return(rented);
                    lock (_sync)
                    {
                        _sourceError = ex;
                    }

                    throw;
                }

                lock (_sync)
                {
                    if (read == 0)
                    {
                        ArrayPool<byte>.Shared.Return(rented);
                        _sourceDone = true;
                        return 0;
                    }

                    if (!other.Disposed && !other.CutOff)
                    {
                        other.Enqueue(rented.AsSpan(0, read));
                    }

                    branch.Enqueue(rented.AsSpan(0, read));
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }
            finally
            {
                _readLock.Release();
            }
        }
    }

    /// <summary>Wakes the other reader if it waits for this branch to catch up.</summary>
    private static void NotifyDrained(Branch branch)
    {
        var drained = branch.DrainedSignal;
        if (drained is not null && branch.Buffered < MaxLag)
        {
            branch.DrainedSignal = null;
            drained.TrySetResult();
        }
    }

    private void Release(Branch branch)
    {
        lock (_sync)
        {
            branch.Disposed = true;
            branch.Clear();
            NotifyDrained(branch);
            if (_branches[branch.Other].Disposed)
            {
                _source.Dispose();
            }
        }
    }

    private sealed class Branch(TeeSource owner, int index) : ReadOnlyStream
    {
        private readonly Queue<byte[]> _chunks = new();
        private int _headOffset;

        public int Index { get; } = index;

        public int Other => 1 - Index;

        public long Buffered { get; private set; }

        public bool Disposed { get; set; }

        public bool CutOff { get; private set; }

        public TaskCompletionSource? DrainedSignal { get; set; }

        public void Enqueue(ReadOnlySpan<byte> data)
        {
            _chunks.Enqueue(data.ToArray());
            Buffered += data.Length;
        }

        public bool TryDequeue(Memory<byte> destination, out int copied)
        {
            copied = 0;
            while (_chunks.Count > 0 && copied < destination.Length)
            {
                var head = _chunks.Peek();
                var n = Math.Min(head.Length - _headOffset, destination.Length - copied);
                head.AsSpan(_headOffset, n).CopyTo(destination.Span[copied..]);
                copied += n;
                _headOffset += n;
                if (_headOffset == head.Length)
                {
                    _chunks.Dequeue();
                    _headOffset = 0;
                }
            }

            Buffered -= copied;
            return copied > 0 || (destination.Length == 0 && _chunks.Count > 0);
        }

        public void Clear()
        {
            _chunks.Clear();
            _headOffset = 0;
            Buffered = 0;
        }

        public void CutOffNow()
        {
            CutOff = true;
            Clear();
            NotifyDrained(this);
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(Disposed, this);
            return owner.ReadAsync(this, buffer, cancellationToken);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !Disposed)
            {
                owner.Release(this);
            }

            base.Dispose(disposing);
        }
    }
}
