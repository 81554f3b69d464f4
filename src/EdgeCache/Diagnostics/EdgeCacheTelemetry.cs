using System.Diagnostics;
using System.Diagnostics.Metrics;
using EdgeCache.Storage;

namespace EdgeCache.Diagnostics;

/// <summary>
/// EdgeCache's metrics and traces. Listen to the meter and activity source named
/// <see cref="Name"/> (<c>EdgeCache</c>); docs/metrics.md lists every instrument.
/// </summary>
public static class EdgeCacheTelemetry
{
    /// <summary>The meter and activity source name.</summary>
    public const string Name = "EdgeCache";

    private static readonly Meter Meter = new(Name, "1.0");

    /// <summary>Spans for cache lookup, origin fetch and store writes.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name, "1.0");

    internal static Counter<long> Requests { get; } = Meter.CreateCounter<long>(
        "edgecache.requests", "{request}", "Requests answered, by cache status (HIT, MISS, EXPIRED, STALE, BYPASS, REVALIDATED, UPDATING, DYNAMIC).");

    internal static Counter<long> ResponseBytes { get; } = Meter.CreateCounter<long>(
        "edgecache.response.bytes", "By", "Body bytes sent to clients, by source (cache or origin).");

    /// <summary>
    /// Bucket bounds in seconds (OpenTelemetry's semantic-convention bounds for HTTP durations). Without
    /// this advice exporters use their millisecond defaults (5, 10, ... 10000), and every origin round trip
    /// would fall into the first bucket of a seconds histogram.
    /// </summary>
    internal static IReadOnlyList<double> OriginDurationBuckets { get; } =
        [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60];

    internal static Histogram<double> OriginDuration { get; } = Meter.CreateHistogram<double>(
        "edgecache.origin.duration",
        "s",
        "Time from sending a request to the origin until its response headers arrived.",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = OriginDurationBuckets });

    internal static Counter<long> OriginErrors { get; } = Meter.CreateCounter<long>(
        "edgecache.origin.errors", "{error}", "Origin requests that failed (refused, reset, timed out).");

    internal static Counter<long> CollapsedRequests { get; } = Meter.CreateCounter<long>(
        "edgecache.collapsed_requests", "{request}", "Requests that waited for another request's origin fetch instead of making their own.");

    /// <summary>Records one answered request.</summary>
    public static void RecordRequest(EdgeCacheStatus cacheStatus, long bodyBytes)
    {
        var status = new KeyValuePair<string, object?>("cache.status", cacheStatus.ToHeaderValue());
        Requests.Add(1, status);
        if (bodyBytes > 0)
        {
            ResponseBytes.Add(bodyBytes, new KeyValuePair<string, object?>("source", cacheStatus == EdgeCacheStatus.Hit ? "cache" : "origin"));
        }
    }

    /// <summary>Records an origin round trip (headers received) or its failure.</summary>
    public static void RecordOrigin(TimeSpan elapsed, bool failed) => RecordOrigin(elapsed, failed ? "error" : null);

    /// <summary>
    /// Records an origin round trip (headers received), or its failure when <paramref name="errorType"/>
    /// names one (<c>timeout</c>, or the <see cref="System.Net.Http.HttpRequestError"/> such as
    /// <c>ConnectionError</c>): the error counter carries it as the <c>error.type</c> tag.
    /// </summary>
    public static void RecordOrigin(TimeSpan elapsed, string? errorType)
    {
        OriginDuration.Record(elapsed.TotalSeconds);
        if (errorType is not null)
        {
            OriginErrors.Add(1, new KeyValuePair<string, object?>("error.type", errorType));
        }
    }

    /// <summary>Records a request served by another request's origin fetch.</summary>
    public static void RecordCollapsed() => CollapsedRequests.Add(1);

    /// <summary>
    /// Publishes a store's statistics (entries, bytes, evictions, hits, misses per tier) as
    /// observable instruments. Call once per store; the returned handle stops publishing when disposed.
    /// </summary>
    public static IDisposable ObserveStore(ICacheStore store, Func<int>? pendingWaitUntil = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var meter = new Meter(Name, "1.0");
        meter.CreateObservableGauge("edgecache.store.entries", () => Measure(store, s => s.Entries), "{entry}", "Entries held, per tier.");
        meter.CreateObservableGauge("edgecache.store.bytes", () => Measure(store, s => s.Bytes), "By", "Bytes held, per tier.");
        meter.CreateObservableCounter("edgecache.store.evictions", () => Measure(store, s => s.Evictions), "{entry}", "Entries evicted to make room, per tier.");
        meter.CreateObservableCounter("edgecache.store.hits", () => Measure(store, s => s.Hits), "{lookup}", "Lookups that found an entry, per tier.");
        meter.CreateObservableCounter("edgecache.store.misses", () => Measure(store, s => s.Misses), "{lookup}", "Lookups that found nothing, per tier.");
        if (pendingWaitUntil is not null)
        {
            meter.CreateObservableGauge("edgecache.waituntil.pending", pendingWaitUntil, "{task}", "waitUntil work started and not finished.");
        }

        return meter;
    }

    /// <summary>
    /// Publishes whether the shared Redis tier is usable now (<c>edgecache.redis.available</c>, 1 or 0).
    /// The returned handle stops publishing when disposed.
    /// </summary>
    public static IDisposable ObserveRedis(Func<bool> isAvailable)
    {
        ArgumentNullException.ThrowIfNull(isAvailable);
        var meter = new Meter(Name, "1.0");
        meter.CreateObservableGauge("edgecache.redis.available", () => isAvailable() ? 1 : 0, "{state}", "1 while the shared Redis tier is reachable and its circuit breaker closed, else 0.");
        return meter;
    }

    private static IEnumerable<Measurement<long>> Measure(ICacheStore store, Func<StoreStatistics, long> pick)
    {
        foreach (var stats in Tiers(store))
        {
            yield return new Measurement<long>(pick(stats), new KeyValuePair<string, object?>("tier", stats.Name));
        }
    }

    private static IEnumerable<StoreStatistics> Tiers(ICacheStore store)
    {
        if (store is ITieredStoreStatistics tiered)
        {
            foreach (var stats in tiered.GetTierStatistics())
            {
                yield return stats;
            }
        }
        else
        {
            yield return store.GetStatistics();
        }
    }
}
