using EdgeCache.Storage;
using StackExchange.Redis;

namespace EdgeCache.Redis;

/// <summary>
/// Purges in the shared tier: a tag or host purge reads its index, a URL or prefix purge the host index of
/// its host (or every host index), a purge of everything scans the entries on every primary. Each entry's
/// own metadata decides whether the purge selects it.
/// </summary>
internal sealed class RedisPurger(RedisConnection connection, RedisKeys keys)
{
    private const int PurgeBatch = 512;

    /// <summary>Applies a purge in Redis; returns how many entries it deleted or marked.</summary>
    public async Task<long> PurgeAsync(IDatabase db, PurgeRequest purge)
    {
        switch (purge.Kind)
        {
            case PurgeKind.Everything:
                return await PurgeEverythingAsync(db, purge.Soft).ConfigureAwait(false);
            case PurgeKind.Tag:
                return await PurgeIndexAsync(db, keys.Tag(purge.Value), purge, static member => member.ToString() is { Length: RedisKeys.IdLength } id ? id : null).ConfigureAwait(false);
            case PurgeKind.Host:
                return await PurgeIndexAsync(db, keys.Host(purge.Value), purge, static member => RedisKeys.IsHostMember(member) ? RedisKeys.MemberId(member!) : null).ConfigureAwait(false);
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

    /// <summary>Purges the entries an index names (<paramref name="idOf"/> reads a member's entry id, null to skip it), then the index itself.</summary>
    private async Task<long> PurgeIndexAsync(IDatabase db, RedisKey index, PurgeRequest purge, Func<RedisValue, string?> idOf)
    {
        var members = await db.SortedSetRangeByRankAsync(index).ConfigureAwait(false);
        var ids = new List<string>(members.Length);
        foreach (var member in members)
        {
            if (idOf(member) is { } id)
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

    /// <summary>
    /// The host indexes a URL or prefix purge must look in: the one of its host when the value names
    /// a whole host (<c>scheme://host/...</c>), otherwise every host index on every primary.
    /// </summary>
    private async IAsyncEnumerable<RedisKey> HostIndexesForAsync(PurgeRequest purge)
    {
        if (CompleteHost(purge.Value) is { } host)
        {
            yield return keys.Host(host);
            yield break;
        }

        foreach (var server in connection.GetPrimaries())
        {
            await foreach (var key in server.KeysAsync(pattern: keys.HostPattern, pageSize: 1000).ConfigureAwait(false))
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
        foreach (var server in connection.GetPrimaries())
        {
            await foreach (var key in server.KeysAsync(pattern: keys.EntryPattern, pageSize: 1000).ConfigureAwait(false))
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
                foreach (var pattern in (string[])[keys.TagPattern, keys.HostPattern])
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
            results.Add(ApplyIfMatchingAsync(db, keys.Entry(id), purge));
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
}
