using EdgeCache.Storage;

namespace EdgeCache.AspNetCore;

/// <summary>Options of the EdgeCache worker host (<see cref="EdgeCacheServiceCollectionExtensions.AddEdgeCache"/>).</summary>
public sealed class EdgeCacheOptions
{
    /// <summary>
    /// The origin that requests are mapped onto: a worker's <see cref="FetchEvent.Request"/> has the
    /// incoming path and query on this scheme, host and port. Required by <c>MapWorker</c>.
    /// </summary>
    public Uri? Origin { get; set; }

    /// <summary>Options of the Cache API (object size limit, default edge TTLs).</summary>
    public CacheOptions Cache { get; } = new();

    /// <summary>Options of the default memory store, used when no <see cref="ICacheStore"/> is registered.</summary>
    public MemoryStoreOptions MemoryStore { get; } = new();

    /// <summary>How long the origin may take to send response headers. Default <see cref="EdgeCache.AspNetCore.Origin.OriginClient.DefaultTimeout"/> (30 s); more than zero, at most 1 hour.</summary>
    public TimeSpan OriginTimeout { get; set; } = EdgeCache.AspNetCore.Origin.OriginClient.DefaultTimeout;

    /// <summary>
    /// A PEM file of CA certificates to trust for HTTPS origins, in addition to the system's. Origin
    /// certificates are always validated; this only adds trust anchors (for a private CA). Default: none.
    /// </summary>
    public string? OriginCaFile { get; set; }

    /// <summary>How long shutdown waits for pending <see cref="FetchEvent.WaitUntil"/> work. Default 30 s; zero or more.</summary>
    public TimeSpan WaitUntilDrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Let <c>Cache-Tag</c> through, for debugging: on responses a worker returns, and on the responses
    /// <see cref="FetchEvent.FetchAsync(HttpRequestMessage, CacheFetchOptions, CancellationToken)"/> hands the
    /// worker. Default off: like Cloudflare, the tags are purge metadata, kept with the stored copy and removed
    /// before a response reaches the client (or, from a fetch with cache options, the worker).
    /// </summary>
    public bool ExposeCacheTags { get; set; }

    /// <summary>Checks the options; throws naming the bad setting.</summary>
    public void Validate()
    {
        if (Origin is { } origin && (!origin.IsAbsoluteUri || (origin.Scheme != Uri.UriSchemeHttp && origin.Scheme != Uri.UriSchemeHttps)))
        {
            throw new ArgumentException($"Origin must be an absolute http or https URL, not '{origin}'.", nameof(Origin));
        }

        EdgeCache.AspNetCore.Origin.OriginClient.ValidateTimeout(OriginTimeout, nameof(OriginTimeout));

        if (WaitUntilDrainTimeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(WaitUntilDrainTimeout), WaitUntilDrainTimeout, "WaitUntilDrainTimeout must be zero or more.");
        }

        if (OriginCaFile is not null && !File.Exists(OriginCaFile))
        {
            throw new ArgumentException($"OriginCaFile '{OriginCaFile}' does not exist.", nameof(OriginCaFile));
        }

        Cache.Validate();
        MemoryStore.Validate();
    }
}
