using EdgeCache.Storage;
using StackExchange.Redis;

namespace EdgeCache.Redis;

/// <summary>
/// The shared tier: entries in Redis (standalone, Cluster or Garnet) that every node reads and
/// writes. Each entry is one hash written in one MULTI/EXEC with a TTL up to its
/// <see cref="EntryMetadata.ExpiresAt"/>; tag and host indexes (sorted sets scored by expiry) serve
/// purges. Objects above <see cref="RedisTierOptions.MaxObjectSize"/> are declined and stay local.
/// </summary>
/// <remarks>
/// Every call is bounded by <see cref="RedisTierOptions.OperationTimeout"/> behind a circuit breaker:
/// while Redis is down or slow this store answers "not found" and "not stored" at once.
/// Deletes and purges are published on the backplane, so other nodes drop their local copies.
/// </remarks>
public sealed class RedisStore : ICacheStore
{
    private const int PurgeBatch = 512;

    private readonly RedisConnection _connection;
    private readonly ICacheInvalidationBackplane? _backplane;
    private readonly RedisKeys _keys;
    private readonly RedisTierOptions _options;
    private long _hits;
    private long _misses;

    /// <summary>Creates the store over a connection; <paramref name="backplane"/> (optional) is told of every delete and purge.</summary>
    public RedisStore(RedisConnection connection, ICacheInvalidationBackplane? backplane = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        _backplane = backplane;
        _options = connection.Options;
        _keys = new RedisKeys(_options.KeyPrefix);
    }

    /// <inheritdoc />
    public string Name => "redis";

    /// <summary>Whether Redis is usable now (connected, breaker not open).</summary>
    public bool IsAvailable => _connection.IsAvailable;

    /// <inheritdoc />
    public async ValueTask<CacheEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var entryKey = _keys.Entry(RedisKeys.Id(key));
        var values = await _connection.ExecuteAsync(
            "get", db => db.HashGetAsync(entryKey, RedisKeys.EntryFields), [], _options.OperationTimeout, cancellationToken).ConfigureAwait(false);
        var entry = ReadEntry(key, values);
        if (entry is null)
        {
            Interlocked.Increment(ref _misses);
            return null;
        }

        Interlocked.Increment(ref _hits);
        return entry;
    }

    /// <inheritdoc />
    public ValueTask<ICacheEntryWriter?> BeginWriteAsync(EntryMetadata metadata, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.BodyLength > _options.MaxObjectSize
            || metadata.ExpiresAt <= _connection.Time.GetUtcNow()
            || !_connection.IsAvailable)
        {
            return default;
        }

        return new ValueTask<ICacheEntryWriter?>(new Writer(this, metadata));
    }

    /// <inheritdoc />
    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var entryKey = _keys.Entry(RedisKeys.Id(key));
        var deleted = await _connection.ExecuteAsync(
            "delete", db => db.KeyDeleteAsync(entryKey), false, _options.OperationTimeout, cancellationToken).ConfigureAwait(false);
        if (_backplane is not null)
        {
            await _backplane.PublishAsync(CacheInvalidation.Delete(key), cancellationToken).ConfigureAwait(false);
        }

        return deleted;
    }

    /// <inheritdoc />
    public async ValueTask<long> PurgeAsync(PurgeRequest purge, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(purge);

        // A purge is worth waiting for (off the request path): Redis is retried until the purge timeout.
        var started = _connection.Time.GetTimestamp();
        long purged;
        while ((purged = await _connection.ExecuteAsync(
            "purge", db => PurgeInRedisAsync(db, purge), -1L, _options.PurgeTimeout, cancellationToken).ConfigureAwait(false)) < 0
            && _connection.Time.GetElapsedTime(started) < _options.PurgeTimeout)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), _connection.Time, cancellationToken).ConfigureAwait(false);
        }

        var published = _backplane is null || await _backplane.PublishAsync(CacheInvalidation.ForPurge(purge), cancellationToken).ConfigureAwait(false);
        if (purged < 0 || !published)
        {
            RedisLog.PurgeSkipped(_connection.Logger, purge.Kind.ToString());
            throw new PurgeIncompleteException(purged < 0
                ? "The purge could not reach the shared Redis tier; other nodes may still serve what it selects."
                : "The purge could not be written to the purge log; other nodes may still serve what it selects.")
            { Purged = Math.Max(purged, 0) };
        }

        return purged;
    }

    /// <inheritdoc />
    /// <remarks>Redis is shared, so this node cannot cheaply count its entries: only hits and misses are counted.</remarks>
    public StoreStatistics GetStatistics() => new(
        Name, 0, 0, 0, Interlocked.Read(ref _hits), Interlocked.Read(ref _misses), 0);

    /// <inheritdoc />
    /// <remarks>The connection is shared with the backplane and the fill lock; its owner disposes it.</remarks>
    public ValueTask DisposeAsync() => default;

    private CacheEntry? ReadEntry(string key, RedisValue[] values)
    {
        if (values.Length < 3 || values[0].IsNull || values[1].IsNull)
        {
            return null;
        }

        EntryMetadata metadata;
        try
        {
            metadata = EntryMetadataSerializer.Deserialize((byte[])values[0]!);
        }
        catch (InvalidDataException exception)
        {
            RedisLog.EntryUnreadable(_connection.Logger, key, exception);
            return null;
        }

        var body = (byte[])values[1]!;
        if (!string.Equals(metadata.Key, key, StringComparison.Ordinal)
            || metadata.ExpiresAt <= _connection.Time.GetUtcNow()
            || body.Length != metadata.BodyLength)
        {
            return null;
        }

        if (!values[2].IsNull)
        {
            metadata = metadata with { Invalidated = true };
        }

        return new MemoryCacheEntry(metadata, body);
    }

    private async Task<bool> StoreAsync(IDatabase db, EntryMetadata metadata, ReadOnlyMemory<byte> body)
    {
        var now = _connection.Time.GetUtcNow();
        var ttl = metadata.ExpiresAt - now;
        if (ttl <= TimeSpan.Zero)
        {
            return false;
        }

        var id = RedisKeys.Id(metadata.Key);
        var score = metadata.ExpiresAt.ToUnixTimeMilliseconds();

        // Indexes first: an index member whose entry is missing is harmless, an entry missing from
        // an index would escape purges.
        var indexWrites = new List<Task>(4 * (1 + metadata.Tags.Count));
        IndexAdd(db, indexWrites, _keys.Host(metadata.Host), RedisKeys.HostMember(id, metadata.Url), score, ttl, now);
        foreach (var tag in metadata.Tags)
        {
            IndexAdd(db, indexWrites, _keys.Tag(tag), id, score, ttl, now);
        }

        await Task.WhenAll(indexWrites).ConfigureAwait(false);

        var entryKey = _keys.Entry(id);
        var transaction = db.CreateTransaction();
        var serialized = EntryMetadataSerializer.Serialize(metadata with { BodyLength = body.Length, Invalidated = false });
        _ = transaction.KeyDeleteAsync(entryKey);
        _ = transaction.HashSetAsync(entryKey, [new HashEntry(RedisKeys.MetadataField, serialized), new HashEntry(RedisKeys.BodyField, body)]);
        _ = transaction.KeyExpireAsync(entryKey, ttl);
        return await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    private static void IndexAdd(IDatabase db, List<Task> writes, RedisKey index, RedisValue member, long score, TimeSpan ttl, DateTimeOffset now)
    {
        writes.Add(db.SortedSetAddAsync(index, member, score));
        writes.Add(db.SortedSetRemoveRangeByScoreAsync(index, double.NegativeInfinity, now.ToUnixTimeMilliseconds(), Exclude.Stop));

        // The index lives as long as its longest-lived member: set a TTL if it has none, else only lengthen it.
        writes.Add(db.KeyExpireAsync(index, ttl, ExpireWhen.HasNoExpiry));
        writes.Add(db.KeyExpireAsync(index, ttl, ExpireWhen.GreaterThanCurrentExpiry));
    }

    private async Task<long> PurgeInRedisAsync(IDatabase db, PurgeRequest purge)
    {
        switch (purge.Kind)
        {
            case PurgeKind.Everything:
                return await PurgeEverythingAsync(db, purge.Soft).ConfigureAwait(false);
            case PurgeKind.Tag:
            {
                var index = _keys.Tag(purge.Value);
                var members = await db.SortedSetRangeByRankAsync(index).ConfigureAwait(false);
                var ids = new List<string>(members.Length);
                foreach (var member in members)
                {
                    if (member.ToString() is { Length: RedisKeys.IdLength } id)
                    {
                        ids.Add(id);
                    }
                }

                var count = await ApplyAsync(db, ids, purge).ConfigureAwait(false);
                if (!purge.Soft)
                {
                    await db.KeyDeleteAsync(index).ConfigureAwait(false);
                }

                return count;
            }

            case PurgeKind.Host:
            {
                var index = _keys.Host(purge.Value);
                var members = await db.SortedSetRangeByRankAsync(index).ConfigureAwait(false);
                var ids = new List<string>(members.Length);
                foreach (var member in members)
                {
                    if (RedisKeys.IsHostMember(member))
                    {
                        ids.Add(RedisKeys.MemberId(member!));
                    }
                }

                var count = await ApplyAsync(db, ids, purge).ConfigureAwait(false);
                if (!purge.Soft)
                {
                    await db.KeyDeleteAsync(index).ConfigureAwait(false);
                }

                return count;
            }

            case PurgeKind.Url:
            case PurgeKind.Prefix:
            {
                long count = 0;
                await foreach (var index in HostIndexesForAsync(purge).ConfigureAwait(false))
                {
                    count += await PurgeHostIndexByUrlAsync(db, index, purge).ConfigureAwait(false);
                }

                return count;
            }

            default:
                return 0;
        }
    }

    /// <summary>
    /// The host indexes a URL or prefix purge must look in: the one of its host when the value names
    /// a whole host (<c>scheme://host/...</c>), otherwise every host index on every primary.
    /// </summary>
    private async IAsyncEnumerable<RedisKey> HostIndexesForAsync(PurgeRequest purge)
    {
        if (CompleteHost(purge.Value) is { } host)
        {
            yield return _keys.Host(host);
            yield break;
        }

        foreach (var server in _connection.GetPrimaries())
        {
            await foreach (var key in server.KeysAsync(pattern: _keys.HostPattern, pageSize: 1000).ConfigureAwait(false))
            {
                yield return key;
            }
        }
    }

    /// <summary>The lower-case host of a URL or prefix when the host part is complete (followed by a path, query or the end of a URL).</summary>
    internal static string? CompleteHost(string value)
    {
        var schemeEnd = value.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            return null;
        }

        var authorityStart = schemeEnd + 3;
        var authorityEnd = value.IndexOfAny(['/', '?', '#'], authorityStart);
        if (authorityEnd < 0)
        {
            // "https://exa" could be the start of a longer host: not complete.
            return null;
        }

        return Uri.TryCreate(value[..authorityEnd] + "/", UriKind.Absolute, out var uri) && uri.Host.Length > 0
            ? uri.Host.ToLowerInvariant()
            : null;
    }

    private async Task<long> PurgeHostIndexByUrlAsync(IDatabase db, RedisKey index, PurgeRequest purge)
    {
        var members = await db.SortedSetRangeByRankAsync(index).ConfigureAwait(false);
        var ids = new List<string>();
        var matched = new List<RedisValue>();
        foreach (var member in members)
        {
            if (!RedisKeys.IsHostMember(member))
            {
                continue;
            }

            var text = member.ToString();
            var url = RedisKeys.MemberUrl(text);
            var selected = purge.Kind == PurgeKind.Url
                ? string.Equals(url, purge.Value, StringComparison.Ordinal)
                : url.StartsWith(purge.Value, StringComparison.Ordinal);
            if (selected)
            {
                ids.Add(RedisKeys.MemberId(text));
                matched.Add(member);
            }
        }

        var count = await ApplyAsync(db, ids, purge).ConfigureAwait(false);
        if (!purge.Soft && matched.Count > 0)
        {
            await db.SortedSetRemoveAsync(index, [.. matched]).ConfigureAwait(false);
        }

        return count;
    }

    private async Task<long> PurgeEverythingAsync(IDatabase db, bool soft)
    {
        long count = 0;
        var batch = new List<RedisKey>(PurgeBatch);
        foreach (var server in _connection.GetPrimaries())
        {
            await foreach (var key in server.KeysAsync(pattern: _keys.EntryPattern, pageSize: 1000).ConfigureAwait(false))
            {
                batch.Add(key);
                if (batch.Count == PurgeBatch)
                {
                    count += await ApplyToKeysAsync(db, batch, soft).ConfigureAwait(false);
                    batch.Clear();
                }
            }

            if (!soft)
            {
                foreach (var pattern in (string[])[_keys.TagPattern, _keys.HostPattern])
                {
                    await foreach (var key in server.KeysAsync(pattern: pattern, pageSize: 1000).ConfigureAwait(false))
                    {
                        _ = db.KeyDeleteAsync(key, CommandFlags.FireAndForget);
                    }
                }
            }
        }

        count += await ApplyToKeysAsync(db, batch, soft).ConfigureAwait(false);
        return count;
    }

    /// <summary>
    /// Applies a purge to the entries an index names. An index can name an entry that no longer matches
    /// (it was replaced since, with other tags or another URL): each entry's own metadata decides, and the
    /// delete is conditional on that metadata being the one read, so a newer entry is never purged for an
    /// older one's tag.
    /// </summary>
    private async Task<long> ApplyAsync(IDatabase db, List<string> ids, PurgeRequest purge)
    {
        var results = new List<Task<bool>>(ids.Count);
        foreach (var id in ids)
        {
            results.Add(ApplyIfMatchingAsync(db, _keys.Entry(id), purge));
            if (results.Count % PurgeBatch == 0)
            {
                await Task.WhenAll(results).ConfigureAwait(false);
            }
        }

        return await CountTrueAsync(results).ConfigureAwait(false);
    }

    private static async Task<bool> ApplyIfMatchingAsync(IDatabase db, RedisKey entryKey, PurgeRequest purge)
    {
        var stored = await db.HashGetAsync(entryKey, RedisKeys.MetadataField).ConfigureAwait(false);
        if (stored.IsNull)
        {
            return false;
        }

        // Unreadable metadata is purged: an entry nobody can read must not outlive a purge that may name it.
        if (EntryMetadataSerializer.TryDeserialize(((ReadOnlyMemory<byte>)stored).Span, out var metadata) && !purge.Matches(metadata))
        {
            return false;
        }

        var transaction = db.CreateTransaction();
        transaction.AddCondition(Condition.HashEqual(entryKey, RedisKeys.MetadataField, stored));
        _ = purge.Soft
            ? transaction.HashSetAsync(entryKey, RedisKeys.InvalidatedField, 1)
            : transaction.KeyDeleteAsync(entryKey);
        return await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    /// <summary>Deletes or soft-marks entries, one command per key (keys of a cluster live in different slots).</summary>
    private static async Task<long> ApplyToKeysAsync(IDatabase db, List<RedisKey> keys, bool soft)
    {
        var results = new Task<bool>[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            results[i] = soft ? MarkInvalidatedAsync(db, keys[i]) : db.KeyDeleteAsync(keys[i]);
        }

        return await CountTrueAsync(results).ConfigureAwait(false);
    }

    /// <summary>How many of the commands applied (deleted or marked an entry).</summary>
    private static async Task<long> CountTrueAsync(IReadOnlyList<Task<bool>> results)
    {
        await Task.WhenAll(results).ConfigureAwait(false);
        long count = 0;
        foreach (var result in results)
        {
            if (result.Result)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Sets the soft-purge mark on an entry that still exists (never creates a TTL-less hash).</summary>
    private static Task<bool> MarkInvalidatedAsync(IDatabase db, RedisKey entryKey)
    {
        var transaction = db.CreateTransaction();
        transaction.AddCondition(Condition.HashExists(entryKey, RedisKeys.MetadataField));
        _ = transaction.HashSetAsync(entryKey, RedisKeys.InvalidatedField, 1);
        return transaction.ExecuteAsync();
    }

    /// <summary>Buffers the body (Redis takes it in one command) and stores it on commit.</summary>
    private sealed class Writer(RedisStore store, EntryMetadata metadata) : ICacheEntryWriter
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

            if (_length + (long)data.Length > store._options.MaxObjectSize)
            {
                Fail();
                return new ValueTask<bool>(false);
            }

            if (_length + data.Length > _buffer.Length)
            {
                Array.Resize(ref _buffer, (int)Math.Min(Math.Max(_buffer.Length * 2L, _length + (long)data.Length), store._options.MaxObjectSize));
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
            return await store._connection.ExecuteAsync(
                "store", db => store.StoreAsync(db, metadata, body), false, store._options.OperationTimeout, cancellationToken).ConfigureAwait(false);
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
}
