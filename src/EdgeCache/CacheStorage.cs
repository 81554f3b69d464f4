using System.Collections.Concurrent;
using EdgeCache.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCache;

/// <summary>
/// Cloudflare's <c>caches</c>: the default cache and named caches over one store.
/// Named caches are disjoint from each other and from <see cref="Default"/>.
/// </summary>
public sealed class CacheStorage
{
    /// <summary>Cache names must be shorter than this (Cloudflare's limit).</summary>
    public const int MaxCacheNameLength = 1024;

    private readonly ConcurrentDictionary<string, Cache> _named = new(StringComparer.Ordinal);
    private readonly ICacheStore _store;
    private readonly CacheOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates the cache storage over a store.</summary>
    public CacheStorage(ICacheStore store, CacheOptions? options = null, TimeProvider? timeProvider = null, ILogger<CacheStorage>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _options = options ?? new CacheOptions();
        _options.Validate();
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Default = new Cache("default", string.Empty, store, _options, _time, _logger);
    }

    /// <summary>The default cache (Cloudflare's <c>caches.default</c>), the one the proxy also fills.</summary>
    public Cache Default { get; }

    /// <summary>The store behind every cache of this storage.</summary>
    public ICacheStore Store => _store;

    /// <summary>Opens (creating on first use) the cache named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is 1024 characters or longer.</exception>
    public ValueTask<Cache> OpenAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length >= MaxCacheNameLength)
        {
            throw new ArgumentException("Cache name is too long.", nameof(name));
        }

        // Named keys carry a length-prefixed namespace, so no URL of the default cache can collide with them.
        var cache = _named.GetOrAdd(name, static (n, self) =>
            new Cache(n, $"{Cache.NamedKeyPrefix}{n.Length}:{n}:", self._store, self._options, self._time, self._logger), this);
        return new ValueTask<Cache>(cache);
    }
}
