using EdgeCache.Storage;

namespace EdgeCache.Redis;

/// <summary>
/// Buffers the body (Redis takes it in one command) and stores it on commit, with <paramref name="position"/>: the
/// writer's purge-log position when the write began (every purge up to it was applied on this node, so its fence
/// covers those; readers check the entry against the purges after it).
/// </summary>
internal sealed class RedisEntryWriter(RedisStore store, RedisConnection connection, EntryMetadata metadata, (Guid Epoch, long Position)? position) : ICacheEntryWriter
{
    private byte[] _buffer = metadata.BodyLength >= 0 ? new byte[metadata.BodyLength] : new byte[4096];
    private int _length;
    private bool _failed;

    public ValueTask<bool> WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        if (_failed)
        {
            return new ValueTask<bool>(false);
        }

        if (_length + (long)data.Length > connection.Options.MaxObjectSize)
        {
            Fail();
            return new ValueTask<bool>(false);
        }

        if (_length + data.Length > _buffer.Length)
        {
            Array.Resize(ref _buffer, (int)Math.Min(Math.Max(_buffer.Length * 2L, _length + (long)data.Length), connection.Options.MaxObjectSize));
        }

        data.Span.CopyTo(_buffer.AsSpan(_length));
        _length += data.Length;
        return new ValueTask<bool>(true);
    }

    public async ValueTask<bool> CommitAsync(CancellationToken cancellationToken = default)
    {
        if (_failed || (metadata.BodyLength >= 0 && metadata.BodyLength != _length))
        {
            Fail();
            return false;
        }

        var body = new ReadOnlyMemory<byte>(_buffer, 0, _length);
        Fail();
        return await connection.ExecuteAsync(
            "store", db => store.StoreAsync(db, metadata, body, position), false, connection.Options.OperationTimeout, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        Fail();
        return default;
    }

    private void Fail()
    {
        _failed = true;
        _buffer = [];
    }
}
