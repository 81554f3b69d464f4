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
    private readonly RedisConnection _connection;
    private readonly ICacheInvalidationBackplane? _backplane;

    // With the purge log: entries carry the writer's position, and a read checks it against the purges known since.
    private readonly RedisBackplane? _purgeLog;
    private readonly RedisKeys _keys;
    private readonly RedisTierOptions _options;
    private readonly RedisPurger _purger;
    private long _hits;
    private long _misses;

    /// <summary>Creates the store over a connection; <paramref name="backplane"/> (optional) is told of every delete and purge.</summary>
    public RedisStore(RedisConnection connection, ICacheInvalidationBackplane? backplane = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        _backplane = backplane;
        _purgeLog = backplane as RedisBackplane;
        _options = connection.Options;
        _keys = new RedisKeys(_options.KeyPrefix);
        _purger = new RedisPurger(connection, _keys);
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
            || !_connection.IsAvailable
            || _purgeLog is { IsStarted: true, Position.Epoch: var epoch } && epoch == Guid.Empty)
        {
            // (A node that has not read the purge log yet cannot say which purges its fill has seen: it writes nothing.)
            return default;
        }

        return new ValueTask<ICacheEntryWriter?>(new RedisEntryWriter(this, _connection, metadata, _purgeLog is { IsStarted: true } log ? log.Position : null));
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
            "purge", db => _purger.PurgeAsync(db, purge), -1L, _options.PurgeTimeout, cancellationToken).ConfigureAwait(false)) < 0
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

        var since = _purgeLog is { } log && values.Length > 3 && EntryPosition.TryRead(values[3], out var epoch, out var position)
            ? log.Recent.Check(epoch, position, metadata) : PurgedSince.Nothing;
        if (since == PurgedSince.Hard)
        {
            // Written from before a purge that selects it (a fill in flight on a node that had not heard of it yet).
            return null;
        }

        if (!values[2].IsNull || since == PurgedSince.Soft)
        {
            metadata = metadata with { Invalidated = true };
        }

        return new MemoryCacheEntry(metadata, body);
    }

    /// <summary>Writes an entry and its index memberships (a writer's commit).</summary>
    internal async Task<bool> StoreAsync(IDatabase db, EntryMetadata metadata, ReadOnlyMemory<byte> body, (Guid Epoch, long Position)? position)
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
        _ = transaction.HashSetAsync(entryKey, position is { } p
            ? [new HashEntry(RedisKeys.MetadataField, serialized), new HashEntry(RedisKeys.BodyField, body), new HashEntry(RedisKeys.PositionField, EntryPosition.Write(p.Epoch, p.Position))]
            : [new HashEntry(RedisKeys.MetadataField, serialized), new HashEntry(RedisKeys.BodyField, body)]);
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

}
