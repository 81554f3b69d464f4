using System.Buffers;

namespace EdgeCache.Storage;

/// <content>The write path: one body collected into a native block, an array, or a memory file, and published at commit.</content>
public sealed partial class MemoryStore
{
    /// <summary>
    /// Collects one body. A body of declared length is written straight into the native block (under 64 KB) or the
    /// array that is stored (one allocation, no copy); one of unknown length grows, and only its small growth buffers come from the shared
    /// pool: the pool keeps up to eight arrays per core in every size bucket for as long as they are used, and
    /// renting the whole way up to a 5 MB body (4 KB, 8 KB, ... 8 MB) held about 250 MB of large arrays beside a
    /// 64 MB tier in the soak (docs/reliability.md). A body from <see cref="MemoryStoreOptions.FileBodyThreshold"/> up
    /// goes into a memory file instead: straight there when its length is declared, else from its array at commit;
    /// when no file can be made it stays in the array. One of unknown length under 64 KB is copied into a native block at commit.
    /// </summary>
    private sealed class Writer : ICacheEntryWriter
    {
        private const int PooledLimit = 64 * 1024;

        private readonly MemoryStore _store;
        private readonly EntryMetadata _metadata;
        private readonly bool _exact;
        private byte[] _buffer;
        private MemoryBodyFiles.Writer? _file;
        private NativeBody? _native;
        private bool _pooled;
        private long _length;
        private bool _failed;

        // The bytes of _buffer taken from the store's in-flight budget, given back once the array is published or dropped.
        private long _reserved;

        public Writer(MemoryStore store, EntryMetadata metadata)
        {
            _store = store;
            _metadata = metadata;
            _exact = metadata.BodyLength > 0 && metadata.BodyLength <= store._maxObjectSize;
            if (_exact && metadata.BodyLength >= store._fileBodyThreshold && store._files.TryCreate() is { } file)
            {
                _file = file;
                _buffer = [];
                return;
            }

            if (!Reserve(_exact ? metadata.BodyLength : 4096))
            {
                // No share of the in-flight budget: this tier does not take the body (the request is still answered).
                _buffer = [];
                _failed = true;
                return;
            }

            if (_exact && metadata.BodyLength < store._fileBodyThreshold && NativeBodyArena.Fits(metadata.BodyLength)
                && store._arena.TryAllocate((int)metadata.BodyLength) is { } native)
            {
                _native = native;
                _buffer = [];
                return;
            }

            _buffer = _exact ? StoredBodyArrays.Allocate((int)metadata.BodyLength) : ArrayPool<byte>.Shared.Rent(4096);
            _pooled = !_exact;
        }

        public ValueTask<bool> WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        {
            if (_failed)
            {
                return new ValueTask<bool>(false);
            }

            if (_file is not null)
            {
                if (_length + data.Length > _metadata.BodyLength || !_file.TryWrite(data.Span))
                {
                    Fail();
                    return new ValueTask<bool>(false);
                }

                _length += data.Length;
                return new ValueTask<bool>(true);
            }

            if (_native is not null)
            {
                if (_length + data.Length > _native.Length)
                {
                    Fail();
                    return new ValueTask<bool>(false);
                }

                data.Span.CopyTo(_native.Writable[(int)_length..]);
                _length += data.Length;
                return new ValueTask<bool>(true);
            }

            if (_length + data.Length > _store._maxObjectSize || (_exact && _length + data.Length > _buffer.Length))
            {
                Fail();
                return new ValueTask<bool>(false);
            }

            if (_length + data.Length > _buffer.Length)
            {
                var size = (int)Math.Min(Math.Max(_buffer.Length * 2L, _length + data.Length), Math.Min(_store._maxObjectSize, Array.MaxLength));
                if (!Reserve(size - _reserved))
                {
                    Fail();
                    return new ValueTask<bool>(false);
                }

                Grow(size);
            }

            data.Span.CopyTo(_buffer.AsSpan((int)_length));
            _length += data.Length;
            return new ValueTask<bool>(true);
        }

        public ValueTask<bool> CommitAsync(CancellationToken cancellationToken = default)
        {
            if (_failed || (_metadata.BodyLength >= 0 && _metadata.BodyLength != _length))
            {
                Fail();
                return new ValueTask<bool>(false);
            }

            var metadata = _metadata.BodyLength == _length ? _metadata : _metadata with { BodyLength = _length };
            if (_file is not null)
            {
                var sealedFile = _file.Seal();
                var readBack = sealedFile is null ? _file.TryReadBack() : null;
                Fail();
                return new ValueTask<bool>(sealedFile is not null ? _store.Publish(metadata, null, sealedFile) : readBack is not null && _store.Publish(metadata, readBack, null));
            }

            if (_native is not null)
            {
                // The block is the tier's now (its reference passes to the entry), counted in its budget.
                var native = _native;
                _native = null;
                Fail();
                return new ValueTask<bool>(_store.PublishNative(metadata, native));
            }

            if (!_exact && NativeBodyArena.Fits(_length) && _length < _store._fileBodyThreshold && _store._arena.TryAllocate((int)_length) is { } copy)
            {
                _buffer.AsSpan(0, (int)_length).CopyTo(copy.Writable);
                Fail();
                return new ValueTask<bool>(_store.PublishNative(metadata, copy));
            }

            // A body of declared length that is here already failed to get a file when it began: not tried again.
            if (!_exact && _length >= _store._fileBodyThreshold && ToFile() is { } moved)
            {
                Fail();
                return new ValueTask<bool>(_store.Publish(metadata, null, moved));
            }

            byte[] body;
            if (_exact)
            {
                body = _buffer;
                _buffer = [];
                _failed = true;

                // The array is the tier's now, counted in its budget.
                Unreserve();
            }
            else
            {
                body = StoredBodyArrays.Allocate((int)_length);
                _buffer.AsSpan(0, (int)_length).CopyTo(body);
                Fail();
            }

            return new ValueTask<bool>(_store.Publish(metadata, body, null));
        }

        /// <summary>The collected body moved into a memory file, or null (it then stays in its array).</summary>
        private MemoryBodyFile? ToFile()
        {
            using var file = _store._files.TryCreate();
            return file is not null && file.TryWrite(_buffer.AsSpan(0, (int)_length)) ? file.Seal() : null;
        }

        public ValueTask DisposeAsync()
        {
            Fail();
            return default;
        }

        private void Grow(int size)
        {
            var bigger = size <= PooledLimit ? ArrayPool<byte>.Shared.Rent(size) : GC.AllocateUninitializedArray<byte>(size);
            _buffer.AsSpan(0, (int)_length).CopyTo(bigger);
            Release();
            _buffer = bigger;
            _pooled = size <= PooledLimit;
        }

        private void Fail()
        {
            _failed = true;
            _file?.Dispose();
            _file = null;
            _native?.Release();
            _native = null;
            Release();
            Unreserve();
        }

        private bool Reserve(long bytes) => _store._inFlight is not { } budget || bytes <= 0 || (budget.TryTake(bytes) && (_reserved += bytes) > 0);

        private void Unreserve()
        {
            _store._inFlight?.Return(_reserved);
            _reserved = 0;
        }

        private void Release()
        {
            if (_pooled)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _pooled = false;
            }

            _buffer = [];
        }
    }
}
